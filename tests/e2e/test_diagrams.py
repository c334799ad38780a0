"""Issue 18 item 7: every shipped policy's every workflow diagram is drawn by the real mermaid (the
file the app ships) in Chromium, without error, each state one box with its whole title, each step
one labelled arrow; and the diagram pages draw them and fit a phone screen."""
from __future__ import annotations

import pytest

from tests.conftest import POLICY_DIR
from tests.e2e.browser import Visitor
from web.vendoring import SHIPPED
from workflow.policy.diagram import mermaid
from workflow.policy.registry import PolicyRegistry

pytestmark = pytest.mark.browser

SHIPPED_POLICIES = PolicyRegistry.from_directory(POLICY_DIR)
WORKFLOWS = [(p, name) for p in SHIPPED_POLICIES.all() for name in p.workflows]

RENDER = r"""async (text) => {
  mermaid.initialize({startOnLoad: false, securityLevel: "strict"});
  try { await mermaid.parse(text); } catch (e) { return {error: String(e)}; }
  const {svg} = await mermaid.render("d" + Math.random().toString(36).slice(2), text);
  const box = document.createElement("div");
  box.innerHTML = svg;
  document.body.replaceChildren(box);
  const norm = (s) => s.replace(/\s+/g, " ").trim();
  return {
    error: svg.includes("Syntax error") || box.querySelector(".error-icon") ? "mermaid drew its error" : null,
    states: Array.from(box.querySelectorAll("g.node.statediagram-state")).map(
      (n) => [n.id.replace(/^state-/, "").replace(/-\d+$/, ""), norm(n.textContent)]),
    steps: Array.from(box.querySelectorAll("g.edgeLabel")).flatMap((n) => {
      const copy = n.cloneNode(true);
      copy.querySelectorAll("br").forEach((br) => br.replaceWith("\n"));
      return copy.textContent.split("\n").map(norm);
    }).filter(Boolean),
  };
}"""


@pytest.fixture(scope="module")
def mermaid_page(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(SHIPPED / "mermaid" / "mermaid.min.js"))
    yield page
    page.close()


def _steps(wf, steps):
    out = []
    for t in wf.transitions:
        for src in t.sources:
            if steps == "title" and src == t.dest:
                continue
            out.append(t.title if steps == "title" else f"{t.trigger} [{', '.join(t.roles)}]")
    return out


@pytest.mark.parametrize("steps", ["title", "trigger"])
@pytest.mark.parametrize("policy,workflow", WORKFLOWS, ids=[f"{p.id}@{p.version}-{n}" for p, n in WORKFLOWS])
def test_item_7_every_shipped_diagram_renders_each_state_whole(mermaid_page, policy, workflow, steps):
    wf = policy.workflow(workflow)
    drawn = mermaid_page.evaluate(RENDER, mermaid(wf, wf.states[0].name, steps=steps))
    assert drawn["error"] is None, drawn["error"]
    # one box per state, holding the whole title (nothing split into loose words or extra boxes)
    assert sorted(map(tuple, drawn["states"])) == sorted((s.name, " ".join(s.title.split())) for s in wf.states)
    assert sorted(drawn["steps"]) == sorted(" ".join(s.split()) for s in _steps(wf, steps))


def test_item_7_the_diagram_pages_draw_every_workflow_and_fit_a_phone(browser, live_server, passwords, trust):
    v = Visitor.__new__(Visitor)
    v.context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 812},
                                    is_mobile=True, has_touch=True)
    v.page, v.name, v.shots = v.context.new_page(), "diagram-phone", 0
    v.page.set_default_timeout(15000)
    v.sign_in(trust.directorate)
    for policy, workflow in WORKFLOWS:
        url = f"/policies/{policy.id}/{policy.version}/{workflow}"
        assert v.page.goto(url).status == 200, url
        v.page.wait_for_selector(".app-diagram pre.mermaid svg", state="attached")
        assert v.page.is_visible(".app-diagram"), url
        svg = v.page.inner_text(".app-diagram pre.mermaid")
        assert "Syntax error" not in svg, url
        assert policy.workflow(workflow).states[-1].title.split()[0] in svg, url
        overflow = v.page.evaluate("document.documentElement.scrollWidth") - 375  # not innerWidth: it grows
        assert overflow <= 0, (url, overflow)
        if (policy.id, workflow) == ("cpft-medical-2017", "sign_off"):
            v.shot("sign-off")
    v.close()


def test_a_steps_local_choice_shows_with_its_rule_on_the_rules_page_000_2a_issue_16(app, svc, trust):
    from tests.e2e.test_sign_in import login, with_password

    client = app.test_client()
    assert login(client, trust.doctor.email, with_password(svc, trust.doctor)).status_code == 302
    page = client.get("/policies/cpft-medical-2017/2/disagreement").get_data(as_text=True)
    step = page[page.index('id="step-raise_formal_disagreement"'):]
    step = step[:step.index("</tr>")]
    assert "Policy 7.8.3, 000 2a" in step and "Local choice: 000 2a lets the doctor and clinical manager refer" in step
