"""What every page's layout needs: the demo notice and the navigation, with the current section."""

from django.conf import settings
from django.urls import reverse

# (label, URL name, the path prefixes under which the item is the current section)
NAVIGATION = [
    ("Projects", "projects:list", ("/projects/", "/compare/projects/")),
    ("Boroughs", "boroughs:list", ("/boroughs/", "/compare/boroughs/")),
    ("Commissions", "boroughs:commissions", ("/commissions/",)),
    ("Funders", "projects:funders", ("/funders/",)),
    ("Settlements", "projects:settlements", ("/settlements/",)),
    ("Themes", "projects:themes", ("/themes/",)),
    ("About the data", "about-data", ("/about/",)),
]


def portal(request):
    def navigation():
        return [
            {"label": label, "url": reverse(name), "active": request.path.startswith(prefixes)}
            for label, name, prefixes in NAVIGATION
        ]

    # Worked out when a template shows it (the layout), not for each part of a page rendered on
    # its own (projects/views/shared.py): a template calls a callable it is given.
    return {"demo_notice": settings.DEMO_NOTICE, "navigation": navigation}
