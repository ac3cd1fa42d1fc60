from tools.grounding import (
    best_supporting,
    match_participant,
    mentioned_participants,
    mentions_done,
    resolve_owner,
    similar,
    support,
)

PEOPLE = [{"name": "Alice Kim", "email": "alice@example.com"}, {"name": "Bob Lee", "email": None},
          {"name": "이준호", "email": None}, {"name": "박서연", "email": None}]


def seg(i, speaker, text):
    return {"id": f"s{i:04d}", "start": 0.0, "end": 1.0, "speaker": speaker, "text": text, "label": None}


def test_match_participant_by_parts_and_korean_address():
    assert match_participant("bob", PEOPLE) == "Bob Lee"
    assert match_participant("Alice Kim", PEOPLE) == "Alice Kim"
    assert match_participant("준호 씨", PEOPLE) == "이준호"
    assert match_participant("서연님", PEOPLE) == "박서연"
    assert match_participant("Mallory", PEOPLE) is None
    assert match_participant(None, PEOPLE) is None


def test_owner_i_resolves_to_speaker():
    cited = [seg(3, "Bob Lee", "Sure, I'll fix the login bug by Friday.")]
    assert resolve_owner("I", cited, PEOPLE) == ("Bob Lee", True)
    assert resolve_owner("제가", [seg(4, "이준호", "제가 고칠게요")], PEOPLE) == ("이준호", True)


def test_owner_must_be_supported_by_cited_lines():
    cited = [seg(5, "Alice Kim", "Bob, can you fix the login bug by Friday?")]
    assert resolve_owner("Bob", cited, PEOPLE) == ("Bob Lee", True)  # addressed
    owner, supported = resolve_owner("Alice", [seg(6, "Bob Lee", "The build is green now.")], PEOPLE)
    assert owner is None and not supported  # Alice neither speaks nor is named there
    # A made-up owner is replaced by the volunteer in the cited line.
    assert resolve_owner("Mallory", [seg(7, "Bob Lee", "I'll send the report tomorrow.")], PEOPLE) == ("Bob Lee", False)


def test_support_and_best_supporting():
    segs = [seg(1, "Alice Kim", "The weather is lovely today."),
            seg(2, "Bob Lee", "I will fix the login bug before the beta launch."),
            seg(3, "이준호", "로그인 버그는 금요일까지 고쳐 놓을게요.")]
    assert support("Fix the login bug", [segs[1]["text"]]) == 1.0
    assert support("Order pizza for the team", [segs[1]["text"]]) < 0.25
    assert best_supporting("fix login bug", segs) == ["s0002"]
    assert support("로그인 버그 고치기", [segs[2]["text"]]) >= 0.5
    assert mentioned_participants("준호 씨, 로그인 버그 고쳐 줄 수 있어요?", PEOPLE) == ["이준호"]


def test_similar_and_done():
    assert similar("Fix the login bug", "fix login bug")
    assert not similar("Fix the login bug", "Send onboarding designs")
    assert mentions_done("I fixed the login bug yesterday")
    assert mentions_done("로그인 버그는 다 고쳤어요")
    assert not mentions_done("I'll look at the login bug")


def test_the_person_asking_is_not_the_owner():
    ask = seg(9, "김민지", "준호 씨, 로그인 버그는 이번 주 금요일까지 고쳐 줄 수 있어요?")
    reply = seg(10, "이준호", "네, 금요일까지 고쳐 놓을게요.")
    people = PEOPLE + [{"name": "김민지", "email": None}]
    assert resolve_owner("김민지", [ask, reply], people) == ("이준호", False)
    assert resolve_owner("이준호", [ask, reply], people) == ("이준호", True)
    assert resolve_owner(None, [ask], people) == ("이준호", True)  # addressed, no reply cited
    en_ask, en_reply = seg(15, "Alice Kim", "Bob, can you fix the login bug by Friday?"), seg(16, "Bob Lee", "Sure. I'll have it done by Friday.")
    assert resolve_owner("Alice Kim", [en_ask, en_reply], PEOPLE) == ("Bob Lee", False)


def test_promises():
    from tools.grounding import promises

    for text in ["네, 금요일까지 고쳐 놓을게요.", "제가 할게요", "디자인을 공유하겠습니다.", "I'll send it tomorrow.", "I will update the plan",
                 "내일까지 보내 드릴게요"]:
        assert promises(text), text
    for text in ["로그인 버그가 있어요.", "How many users does that affect?", "그렇게 하면 좋겠네요? 아니요", "Let's meet Tuesday.",
                 "심사 기간이 얼마나 걸릴지 아직 모르겠어요.", "그러면 좋겠어요."]:
        assert not promises(text), text


def test_the_one_answering_a_line_said_to_you_owns_it():
    roles = [{"name": r, "email": None} for r in ("Project Manager", "Marketing", "Industrial Designer")]
    ask = seg(20, "Project Manager", "And you're looking at the technical functions design.")
    reply = seg(21, "Industrial Designer", "Okay.")
    assert resolve_owner("Project Manager", [ask, reply], roles) == ("Industrial Designer", False)
    assert resolve_owner(None, [ask], roles) == (None, True)  # nobody answered: no owner is invented
