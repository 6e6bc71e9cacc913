"""What a person does with the tracker: import pages, edit follow-up, export, plan the next proposal.

The command line and the dashboard call these; they combine the store, the reading and the analysis.
"""
