import pytest

from .factories import ProjectFactory, borough

pytestmark = pytest.mark.django_db


def test_the_home_page_counts_only_published_projects(client):
    ProjectFactory()
    ProjectFactory(lead_borough=borough("camden"))
    ProjectFactory(lead_borough=borough("barnet"), publication_state="draft")
    response = client.get("/")
    assert response.status_code == 200
    assert "2 published projects in 2 authorities." in response.text
