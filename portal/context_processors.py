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

# The signed-in officers' own navigation, a bar of its own under the public one. The dashboard is
# current on its own page only: every officers' path starts with its address.
OFFICER_NAVIGATION = [
    ("Dashboard", "officers:dashboard", ()),
    ("Projects", "officers:projects", ("/officer/projects/",)),
    ("Commissions", "officers:commissions", ("/officer/commissions/",)),
    ("Settlements", "officers:settlements", ("/officer/settlements/",)),
    ("Changes for review", "officers:changes", ("/officer/changes/",)),
]


def portal(request):
    def items(entries):
        items = []
        for label, name, prefixes in entries:
            url = reverse(name)
            active = request.path.startswith(prefixes) if prefixes else request.path == url
            items.append({"label": label, "url": url, "active": active})
        return items

    def navigation():
        return items(NAVIGATION)

    def officer_navigation():
        return items(OFFICER_NAVIGATION) if request.user.is_authenticated else []

    # Worked out when a template shows it (the layout), not for each part of a page rendered on
    # its own (projects/views/shared.py): a template calls a callable it is given.
    return {
        "demo_notice": settings.DEMO_NOTICE,
        "body_script": settings.BODY_SCRIPT,
        "navigation": navigation,
        "officer_navigation": officer_navigation,
    }
