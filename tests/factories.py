"""Small builders for tests: each makes one valid object and takes overrides."""

from __future__ import annotations

import datetime
import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from entries.models import Entry, Source
from issues.models import Issue

_dates = itertools.count()


def next_date() -> datetime.date:
    return datetime.date(2024, 1, 1) + datetime.timedelta(days=next(_dates))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


def contributor(**kwargs):
    return UserFactory(role="Contributor", **kwargs)


def editor(**kwargs):
    return UserFactory(role="Editor", **kwargs)


def superuser(**kwargs):
    return UserFactory(is_superuser=True, **kwargs)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"来源{n}")
    kind = Source.Kind.WECHAT


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue

    date = factory.LazyFunction(next_date)


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry
        skip_postgeneration_save = True

    issue = factory.SubFactory(IssueFactory)
    section = Entry.Section.PAPERS
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"条目 {n}: INT8 quantization")
    url = factory.Sequence(lambda n: f"https://example.com/item/{n}")
    source = factory.SubFactory(SourceFactory)
    summary = "摘要：**量化**让模型更小。"

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if extracted:
            self.tags.set(extracted)


def published_issue(entries: int = 1, publish_at: datetime.datetime | None = None, **kwargs) -> Issue:
    """An issue that readers can see, with ``entries`` entries."""
    issue = IssueFactory(**kwargs)
    EntryFactory.create_batch(entries, issue=issue)
    issue.status = Issue.Status.PUBLISHED
    issue.publish_at = (publish_at or timezone.now() - datetime.timedelta(hours=1)).replace(microsecond=0)
    issue.save()
    return issue


def issue_with_entries(count: int, **kwargs) -> Issue:
    """A draft issue of ``count`` entries spread over the sections, each with a source, two tags and a summary."""
    issue = IssueFactory(**kwargs)
    sections = list(Entry.Section)
    for n in range(count):
        EntryFactory(
            issue=issue, section=sections[n % len(sections)], position=n,
            title=f"条目 {n}: 端侧大模型推理框架的量化实践与性能评测",
            summary=f"要点：\n- 第一点 {n}\n- 第二点\n\n详见原文。",
            source=SourceFactory(name=f"来源{n % 7}"), tags=[f"标签{n % 5}", "量化"],
        )
    return issue
