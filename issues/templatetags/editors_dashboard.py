from django import template

from issues.dashboard import editors_dashboard as gather

register = template.Library()


@register.simple_tag(takes_context=True)
def editors_dashboard(context) -> dict:
    """``{% editors_dashboard as dashboard %}``: the data of issues.dashboard for the signed-in user."""
    return gather(context["request"].user)
