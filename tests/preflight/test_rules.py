from rmjob.preflight.rules import load_rules
from rmjob.preflight.run import check_for


def test_every_rule_has_a_reason_a_reference_and_a_check_that_exists():
    rules = load_rules()
    assert len({r.id for r in rules}) == len(rules)
    for rule in rules:
        assert rule.reason and rule.reference and "\n" not in rule.reason
        assert callable(check_for(rule))
