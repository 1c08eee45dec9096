"""Request and response schemas (marshmallow 4), one module per area. Every field carries a
description: the OpenAPI document at ``/api/v1/openapi.json`` is generated from these, so it is
the contract clients read. Request schemas refuse unknown fields (marshmallow's default
``RAISE``), so a typo is a 422 naming the field, not silently ignored data. Closed vocabularies
(levels, roles, channels, categories, reasons) come from :mod:`casework.core.vocab`.
"""

from api.schemas.base import *  # noqa: F403
from api.schemas.cases import *  # noqa: F403
from api.schemas.documents import *  # noqa: F403
from api.schemas.inbox import *  # noqa: F403
from api.schemas.intakes import *  # noqa: F403
from api.schemas.people import *  # noqa: F403
from api.schemas.referrals import *  # noqa: F403
from api.schemas.reports import *  # noqa: F403
from api.schemas.tip_letters import *  # noqa: F403
from api.schemas.warnings import *  # noqa: F403
from api.schemas.workflows import *  # noqa: F403
