"""Keep each project's stored funding total in step with its funding lines."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Project, ProjectFunding


@receiver(post_save, sender=ProjectFunding)
@receiver(post_delete, sender=ProjectFunding)
def refresh_project_funding_total(sender, instance, **kwargs):
    Project.objects.filter(pk=instance.project_id).refresh_funding_totals()
