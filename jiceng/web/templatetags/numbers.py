"""Numbers said as people say them: ``{{ change|change_words }}`` → 提高 4.35 个百分点 / 下降 1.52 个百分点 / 持平,
``{{ change|unsigned }}`` → 1.52 (the arrow beside it says the direction: never 「↓-1.52」)."""

from django import template

from jiceng.summaries.writer import change_words as _change_words

register = template.Library()


@register.filter
def change_words(value, unit="个百分点"):
    if value is None or value == "":
        return ""
    return _change_words(float(value), unit)


@register.filter
def unsigned(value):
    try:
        return abs(value)
    except TypeError:
        return value
