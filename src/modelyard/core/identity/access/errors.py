"""Errors of access control, worded for the person who sent the request."""

from __future__ import annotations

from modelyard.errors import Conflict, InvalidInput, NotFound, PermissionDenied


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)


def denied(permission: str, project: str) -> PermissionDenied:
    return PermissionDenied(f"You do not have the permission '{permission}' in project '{project}'")


def account_denied(permission: str) -> PermissionDenied:
    return PermissionDenied(f"Service users may not do this ('{permission}')")


def role_not_found(name: str) -> NotFound:
    return NotFound(f"Role '{name}' was not found", field="role_name")


def default_role(name: str) -> InvalidInput:
    return InvalidInput(f"Default role '{name}' cannot be changed or deleted", field="role_name")


def role_taken(name: str) -> Conflict:
    return Conflict(f"A role with name '{name}' already exists", field="name")


def assignment_not_found(value: str) -> NotFound:
    return NotFound(f"Role assignment '{value}' was not found", field="id")


def assignment_exists(role: str) -> Conflict:
    return Conflict(f"The user already has role '{role}' on this object", field="role")


def user_not_found(value: str) -> NotFound:
    return NotFound(f"User '{value}' was not found in this project", field="user_id")


def service_user_not_found(value: str) -> NotFound:
    return NotFound(f"Service user '{value}' was not found", field="service_user_id")
