"""Who may use the dashboard (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from happybot.operate.users import (
    Role,
    add_user,
    list_users,
    remove_user,
    set_role,
)
from happybot.web.auth import Admin, store_of
from happybot.web.schemas import Done

router = APIRouter()


# -- users ---------------------------------------------------------------------------------------


class UserOut(BaseModel):
    name: str
    role: Role


class NewUser(BaseModel):
    name: str = Field(max_length=100)
    role: Role
    password: str = Field(min_length=12, max_length=1000)


class RoleChange(BaseModel):
    role: Role


@router.get("/users", response_model=list[UserOut])
def list_people(who: Admin, request: Request) -> list[UserOut]:
    return [UserOut(name=u.name, role=u.role) for u in list_users(store_of(request))]


@router.post("/users", response_model=UserOut)
def add_person(body: NewUser, who: Admin, request: Request) -> UserOut:
    user = add_user(store_of(request), body.name, body.role, body.password, actor=who.name)
    return UserOut(name=user.name, role=user.role)


@router.post("/users/{name}/role", response_model=Done)
def change_role(name: str, body: RoleChange, who: Admin, request: Request) -> Done:
    set_role(store_of(request), name, body.role, actor=who.name)
    return Done(detail=f"{name} is now {body.role.value}")


@router.post("/users/{name}/remove", response_model=Done)
def remove_person(name: str, who: Admin, request: Request) -> Done:
    remove_user(store_of(request), name, actor=who.name)
    return Done(detail=f"{name} removed")
