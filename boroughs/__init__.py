"""London's 33 local authorities, the commissions they set up with their recommendations, and
the officers who belong to them. It knows nothing of projects (the projects app builds on it)."""
