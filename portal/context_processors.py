from django.conf import settings


def portal(request):
    return {"demo_notice": settings.DEMO_NOTICE}
