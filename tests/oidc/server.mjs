// A real OpenID Connect provider (the certified `oidc-provider` package) for the sign-in tests.
// Usage: node server.mjs CONFIG.json, where the file holds
//   {"port": 9000, "client_id": "...", "client_secret": "...", "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
//    "accounts": {"vera": {"email": "vera@example.org", "name": "Vera Viewer"}, ...}}
// An account may say "email_verified": false (the claim is true otherwise).
// The login form is the package's development one (any password); the login must be one of the accounts.
// Prints "ready" on stdout once it listens on 127.0.0.1.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: [config.redirect_uri],
    post_logout_redirect_uris: [config.redirect_uri], // Streamlit returns to /oauth2callback after sign-out
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Streamlit reads the person from the ID token's claims, not from the userinfo endpoint
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    const account = config.accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email, email_verified: account.email_verified ?? true, name: account.name };
      },
    };
  },
  pkce: { required: () => false },
  cookies: { keys: ['tracker-test-only-cookie-key'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
});
provider.proxy = false;

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
