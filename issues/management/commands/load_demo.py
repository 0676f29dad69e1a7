import datetime
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from entries.models import Entry, Source, Tag
from issues import workflow
from issues.demo import DEMO_URL, ENGLISH, ISSUES, SOURCES, TAG_ALIASES
from issues.models import Issue

DEMO_PASSWORD = os.environ.get("BRIEFING_DEMO_PASSWORD", "briefing-demo")
USERS = [
    # username, role, is_superuser
    ("admin", None, True),
    ("editor", "Editor", False),
    ("contributor", "Contributor", False),
]


class Command(BaseCommand):
    help = (
        "Load Briefing's demo content: three issues (published, in review, draft) with about 30 entries, "
        "their sources and tags, and the demo accounts admin, editor and contributor. "
        "Running it again changes nothing; passwords are set only when an account is created."
    )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            users = self._users()
            sources = {
                name: Source.objects.update_or_create(name=name, defaults={"kind": kind, "homepage": homepage})[0]
                for name, kind, homepage in SOURCES
            }
            created_entries = 0
            for spec in ISSUES:
                created_entries += self._issue(spec, sources, users)
            for tag in Tag.objects.filter(name__in=list(TAG_ALIASES)):
                if tag.aliases != TAG_ALIASES[tag.name]:
                    tag.aliases = TAG_ALIASES[tag.name]
                    tag.save()
        self.stdout.write(
            f"Demo content: {len(ISSUES)} issues, {sum(len(s['entries']) for s in ISSUES)} entries "
            f"({created_entries} new), {len(sources)} sources."
        )
        self.stdout.write(f"Admin login: admin / {DEMO_PASSWORD}  (also: editor, contributor; same password)")

    def _users(self) -> dict:
        User = get_user_model()
        users = {}
        for username, role, is_superuser in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": True, "is_superuser": is_superuser, "email": f"{username}@example.com"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if role:
                user.groups.add(Group.objects.get(name=role))
            users[username] = user
        return users

    def _issue(self, spec: dict, sources: dict, users: dict) -> int:
        issue, _ = Issue.objects.get_or_create(date=spec["date"], defaults={"created_by": users["contributor"]})
        issue.headline = spec["headline"]
        issue.lead = spec["lead"]
        english = ENGLISH.get(spec["date"], {})
        issue.title_en = english.get("title_en", "")
        issue.headline_en = english.get("headline_en", "")
        issue.lead_en = english.get("lead_en", "")
        issue.save()
        new = 0
        positions: dict[int, int] = {}
        for section, title, source, path, arxiv_id, venue, tags, links, summary in spec["entries"]:
            positions[section] = positions.get(section, 0) + 1
            title_en, summary_en, abstract = english.get("entries", {}).get((section, positions[section]), ("", "", ""))
            entry, created = Entry.objects.update_or_create(
                issue=issue, section=section, position=positions[section],
                defaults={
                    "title": title,
                    "url": f"{DEMO_URL}{path}" if path else "",
                    "source": sources.get(source),
                    "arxiv_id": arxiv_id,
                    "venue": venue,
                    "links": [{"label": label, "url": f"{DEMO_URL}{href}"} for label, href in links],
                    "summary": summary,
                    "title_en": title_en,
                    "summary_en": summary_en,
                    "abstract": abstract,
                },
            )
            entry.tags.set(tags)
            new += created
        self._reach_status(issue, spec["status"], users)
        return new

    def _reach_status(self, issue: Issue, status: str, users: dict) -> None:
        # Through the workflow, like an editor would, so the log tells the story.
        if issue.status == status:
            return
        if issue.status == Issue.Status.DRAFT:
            workflow.submit_for_review(issue, users["contributor"], "Ready for a look.")
        if status == Issue.Status.PUBLISHED and issue.status == Issue.Status.REVIEW:
            publish_at = timezone.make_aware(datetime.datetime.combine(issue.date, datetime.time(9, 0)))
            workflow.publish(issue, users["editor"], publish_at=min(publish_at, timezone.now()))
