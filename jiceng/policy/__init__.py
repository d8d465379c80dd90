"""What every programme's rules share: dated policy parameters and the YAML case runner.

``parameters.ParameterSet`` reads one programme's ``parameters/*.yaml`` (values by effective date, each
quoting its clause); ``cases`` runs the YAML cases of every programme (``jiceng rules check``), each case
handed to the programme that registered its top-level key. No programme is named here.
"""
