"""The projects app's addresses, one module per namespace: the catalogue's pages (`projects:`),
the authorities' and commissions' pages (`boroughs:`) and the officers' side (`officers:`)."""
