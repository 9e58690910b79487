"""What every page needs: the signed-in viewer, list parameters from the query string, safe redirects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from countermark.core.http.deps import DbSession
from countermark.orgs.auth import NotAuthenticated
from countermark.orgs.deps import CurrentPrincipal, current_web_session
from countermark.orgs.models import Organisation, User, WebSession
from countermark.orgs.visibility import Principal


@dataclass(frozen=True)
class Viewer:
    """The signed-in person looking at a page: principal, user, organisation and browser session."""

    principal: Principal
    user: User | None
    organisation: Organisation | None
    web_session: WebSession | None

    @property
    def is_admin(self) -> bool:
        """Whether the viewer may administer their organisation."""
        return "admin" in self.principal.scopes


def signed_in_viewer(request: Request, session: DbSession, principal: CurrentPrincipal) -> Viewer:
    """The viewer of a page; signed-out browsers are sent to the sign-in page by the error handler."""
    if principal.is_public:
        raise NotAuthenticated("sign in to see this page")
    web_session = current_web_session(request, session)
    if web_session is not None:
        request.state.csrf_token = web_session.csrf_token
    user = session.get(User, principal.user_id) if principal.user_id else None
    organisation = session.get(Organisation, principal.org_id) if principal.org_id else None
    return Viewer(principal=principal, user=user, organisation=organisation, web_session=web_session)


PageViewer = Annotated[Viewer, Depends(signed_in_viewer)]


