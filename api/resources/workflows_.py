"""The workflow definitions, so clients never hard-code a process."""

from __future__ import annotations

from flask import Response

import workflows
from api.http import Blueprint, problems
from api.schemas import WorkflowPage, WorkflowSchema
from casework.core.errors import NotFound

blp = Blueprint(
    "workflows", __name__, url_prefix="/api/v1/workflows", description="流程定义 Workflows"
)


def _get(name: str) -> workflows.Workflow:
    try:
        return workflows.get(name)
    except KeyError:
        raise NotFound("流程不存在", f"no workflow {name!r}") from None


@blp.route("", methods=["GET"])
@blp.response(200, WorkflowPage)
@problems(blp, 401)
def list_workflows():
    """全部流程 Every workflow: states, transitions, deadlines with their legal basis."""
    items = [workflows.get(n).to_dict() for n in workflows.names()]
    return {"items": items, "page": 1, "per_page": len(items), "total": len(items)}


@blp.route("/<string:name>", methods=["GET"])
@blp.response(200, WorkflowSchema)
@problems(blp, 401, 404)
def get_workflow(name):
    """流程定义 One workflow (the same shape as `casework workflows --json`)."""
    return _get(name).to_dict()


@blp.route("/<string:name>/diagram", methods=["GET"])
@blp.response(
    200, schema={"type": "string"}, description="Mermaid state diagram", content_type="text/plain"
)
@problems(blp, 401, 404)
def diagram(name):
    """流程图 The workflow as a Mermaid stateDiagram (text)."""
    return Response(_get(name).mermaid(), mimetype="text/plain")
