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
