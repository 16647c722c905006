"""Reading workers' SMS replies."""
import pytest

from dispatch.replies import Reply, parse


@pytest.mark.parametrize("body", ["YES", "yes", " Yes! ", "y", "Y.", "1", "да", "Да!!", "ДА", "+", "ok"])
def test_accept(body):
    assert parse(body) == Reply("accept")


@pytest.mark.parametrize("body,code", [("YES 4821", "4821"), ("да, 4821", "4821"), ("y 123456", "123456"), ("1 4821", "4821")])
def test_accept_with_the_order_code(body, code):
    assert parse(body) == Reply("accept", code)


@pytest.mark.parametrize("body", ["NO", "n", "0", "нет", "Нет.", "no 4821"])
def test_decline(body):
    assert parse(body).kind == "decline"


@pytest.mark.parametrize("body,code", [("DROP 4821", "4821"), ("отказ 4821", "4821"), ("drop", None), ("Отказ", None)])
def test_drop(body, code):
    assert parse(body) == Reply("drop", code)


@pytest.mark.parametrize("body", ["STOP", "stop", "Stop!", " STOPALL ", "UNSUBSCRIBE", "cancel", "END", "quit", "optout",
                                  "REVOKE", "СТОП", "стоп."])
def test_opt_out_keywords_alone(body):
    assert parse(body) == Reply("stop")


@pytest.mark.parametrize("body", ["STOP 4821", "we must stop", "stop sending at night please", "cancel 4821"])
def test_opt_out_keywords_inside_a_sentence_are_not_opt_outs(body):
    assert parse(body).kind != "stop"


@pytest.mark.parametrize("body", ["START", "unstop", "Start."])
def test_opt_back_in(body):
    assert parse(body) == Reply("start")


@pytest.mark.parametrize("body", ["HELP", "help?", "помощь"])
def test_help(body):
    assert parse(body) == Reply("help")


@pytest.mark.parametrize("body", ["", "   ", "...", "Can I bring a friend?", "yes but only after 10", "4821", "да 48"])
def test_everything_else_is_for_a_person(body):
    assert parse(body) == Reply("text")


# Real-world phrasings, as workers type them.
@pytest.mark.parametrize("body,expected", [
    ("да, буду", Reply("accept")),
    ("Да, приду", Reply("accept")),
    ("Да приду 4107", Reply("accept", "4107")),
    ("ок 4107", Reply("accept", "4107")),
    ("Ок, буду!", Reply("accept")),
    ("да, конечно", Reply("accept")),
    ("буду", Reply("accept")),
    ("Приду 4107", Reply("accept", "4107")),
    ("4107 да", Reply("accept", "4107")),
    ("Yes, I'll be there", Reply("accept")),
    ("yes thanks", Reply("accept")),
    ("нет, не смогу", Reply("decline")),
    ("Нет не приду", Reply("decline")),
    ("не смогу", Reply("decline")),
    ("Не могу 4107", Reply("decline", "4107")),
    ("нет, извините", Reply("decline")),
    ("no sorry, busy", Reply("decline")),
    ("отказ, не смогу 4107", Reply("drop", "4107")),
])
def test_real_world_phrasings(body, expected):
    assert parse(body) == expected


@pytest.mark.parametrize("body", ["да, но опоздаю на час", "да не знаю", "нет, буду позже", "не знаю",
                                  "буду в 10", "yes 4107 4821", "да 4107 или 4821", "можно завтра?",
                                  "приду не один", "ok but I need a ride", "нет, приду", "нет буду"])
def test_a_phrase_with_more_in_it_is_for_a_person(body):
    assert parse(body) == Reply("text")
