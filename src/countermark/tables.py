"""Imports every capability's tables so the metadata is complete (for migrations and tests)."""

from __future__ import annotations

from sqlalchemy import MetaData

from countermark.cases import models as cases_models  # noqa: F401
from countermark.codes import models as authenticate_models  # noqa: F401
from countermark.core import models as core_models
from countermark.core.db import Base
from countermark.detect import models as detect_models  # noqa: F401
from countermark.fingerprint import models as fingerprint_models
from countermark.ledger import models as ledger_models  # noqa: F401
from countermark.link import models as link_models  # noqa: F401
from countermark.monitor import models as monitor_models  # noqa: F401
from countermark.observe import models as observe_models
from countermark.observe import watchlists as watchlist_models  # noqa: F401
from countermark.orgs import models as orgs_models
from countermark.rights import models as rights_models
from countermark.share import models as share_models  # noqa: F401
from countermark.targeting import models as target_models

MODEL_MODULES = (core_models, orgs_models, rights_models, observe_models, fingerprint_models, target_models)


def metadata() -> MetaData:
    """The complete metadata of every table."""
    return Base.metadata
