"""The FilterSets of the projects app's lists: the projects catalogue (catalogue.py), funders and
funding settlements (funding.py), and the officers' own lists (officers.py). The commissions
list's is the boroughs app's."""
