"""Bearer tokens per user; the caller becomes an ``Actor`` for the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from garant.app import Garant
from garant.domain.orders import Actor
from garant.services.users import User, authenticate

bearer = HTTPBearer(auto_error=False, description="A user's token (`garant users token EMAIL`)")


async def get_garant(request: Request) -> Garant:
    # async: no I/O, so no hop to the thread pool for it (a sync dependency costs one).
    return garant_of(request)


def garant_of(request: Request) -> Garant:
    garant: Garant = request.app.state.garant
    return garant


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "Send 'Authorization: Bearer <token>'.")
    user = authenticate(garant_of(request), credentials.credentials)
    if user is None:
        raise HTTPException(401, "This token is unknown or was replaced; ask for a new one.")
    return user


async def current_actor(user: Annotated[User, Depends(current_user)]) -> Actor:
    return Actor(user.role, user.id)


GarantDep = Annotated[Garant, Depends(get_garant)]
UserDep = Annotated[User, Depends(current_user)]
ActorDep = Annotated[Actor, Depends(current_actor)]
