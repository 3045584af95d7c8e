"""The projects app's pages, by part of the catalogue:

- catalogue: the projects list, a project, projects compared, the downloads;
- authorities: the authorities' table and map, a profile, authorities compared;
- commissions: the commissions list and a commission;
- funding: funders and funding settlements;
- themes: the themes and a theme;
- home: the home page and the page about the data;
- officers: the officers' dashboard and the records they keep.
"""
