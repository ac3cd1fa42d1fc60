from graph.nodes.segment import merge_participants, merge_turns, name_speakers


def seg(i, speaker, text, start=None):
    start = float(i * 3) if start is None else start
    return {"id": f"x{i}", "start": start, "end": start + 2.5, "speaker": speaker, "text": text, "label": None}


PEOPLE = [{"name": "Alice Kim", "email": "alice@example.com"}, {"name": "Bob Lee", "email": "bob@example.com"},
          {"name": "Carol Park", "email": "carol@example.com"}]


def test_merge_turns_joins_close_same_speaker_fragments_and_renumbers():
    turns = merge_turns([seg(0, "A", "Hello"), seg(1, "A", "everyone.", start=2.6), seg(2, "B", "Hi."),
                         seg(3, "A", "Later point.", start=30.0)])
    assert [(t["id"], t["speaker"], t["text"]) for t in turns] == [
        ("s0001", "A", "Hello everyone."), ("s0002", "B", "Hi."), ("s0003", "A", "Later point.")]


def test_name_speakers_from_address_and_elimination():
    turns = [seg(0, "SPEAKER_1", "Okay, let's start."), seg(1, "SPEAKER_1", "Bob, where are we on engineering?", start=20),
             seg(2, "SPEAKER_2", "Mostly stable."), seg(3, "SPEAKER_1", "Carol, when can you send the designs?"),
             seg(4, "SPEAKER_3", "By next Wednesday."), seg(5, "SPEAKER_1", "Bob, can you fix the bug?"),
             seg(6, "SPEAKER_2", "Sure.")]
    assert name_speakers(turns, PEOPLE) == {"SPEAKER_2": "Bob Lee", "SPEAKER_3": "Carol Park", "SPEAKER_1": "Alice Kim"}


def test_name_speakers_korean_and_self_intro_and_given_mapping():
    people = [{"name": "김민지", "email": None}, {"name": "이준호", "email": None}]
    turns = [seg(0, "SPEAKER_1", "준호 씨, 버그는 언제 고칠 수 있어요?"), seg(1, "SPEAKER_2", "금요일까지요.")]
    assert name_speakers(turns, people) == {"SPEAKER_2": "이준호", "SPEAKER_1": "김민지"}
    intro = [seg(0, "SPEAKER_1", "Hi, I'm Carol from design."), seg(1, "SPEAKER_2", "Hello.")]
    assert name_speakers(intro, PEOPLE)["SPEAKER_1"] == "Carol Park"
    assert name_speakers(intro, PEOPLE, {"SPEAKER_1": "Bob Lee"})["SPEAKER_1"] == "Bob Lee"
    # Named speakers (from a transcript) are never renamed.
    assert name_speakers([seg(0, "Dana", "Bob, hi."), seg(1, "Eve", "Hi.")], PEOPLE) == {}


def test_merge_participants_matches_first_names_and_keeps_silent_attendees():
    people = merge_participants(PEOPLE, ["Alice", "Bob Lee", "Zed"])
    assert people == [{"name": "Alice Kim", "email": "alice@example.com"}, {"name": "Bob Lee", "email": "bob@example.com"},
                      {"name": "Zed", "email": None}, {"name": "Carol Park", "email": "carol@example.com"}]
