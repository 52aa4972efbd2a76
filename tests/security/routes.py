"""Every URL pattern of the project and what each role may do with it.

`EXPECTED` is checked against the live URL conf: a route added without an entry here
(or an entry left for a removed route) fails the sweep, so nobody can forget one.
The admin is covered by one rule (staff only) instead of one entry per model.
"""

import json
from urllib.parse import urlencode

from django.urls import URLResolver, get_resolver, reverse

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# PUBLIC: anyone. GUEST: anonymous only (logged-in users are sent on). LOGIN: any teacher.
# OWN: the prediction's owner only, everyone else 404. READ/WRITE/MANAGE: the assignment's roles.
PUBLIC, GUEST, LOGIN, OWN, READ, WRITE, MANAGE = "public", "guest", "login", "own", "read", "write", "manage"
# TOKEN: only a bearer token from the settings (/metrics); no session role opens it, and
# with the token unset (as in tests) it reads like a missing page.
TOKEN = "token"

_FORM = {"GET": GUEST, "POST": GUEST, "PUT": GUEST}  # Django's FormView answers PUT like POST
_ANY = dict.fromkeys(METHODS, PUBLIC)  # RedirectView and PasswordResetConfirmView ignore the method

# route -> (what the object kwargs name, {method: need})
EXPECTED = {
    "home": (None, _ANY),
    "api-schema": (None, {"GET": PUBLIC}),
    "api-docs": (None, {"GET": PUBLIC}),
    # probes and metrics (digitsight/health.py, digitsight/metrics.py)
    "healthz": (None, {"GET": PUBLIC}),
    "readyz": (None, {"GET": PUBLIC}),
    "metrics": (None, {"GET": TOKEN}),
    # accounts
    "accounts:login": (None, _FORM),
    "accounts:signup": (None, _FORM),
    "accounts:logout": (None, {"POST": PUBLIC}),
    "accounts:profile": (None, {"GET": LOGIN, "POST": LOGIN, "PUT": LOGIN}),
    "accounts:password_change": (None, {"GET": LOGIN, "POST": LOGIN, "PUT": LOGIN}),
    "accounts:password_reset": (None, {"GET": PUBLIC, "POST": PUBLIC, "PUT": PUBLIC}),
    "accounts:password_reset_done": (None, {"GET": PUBLIC}),
    "accounts:password_reset_confirm": ("reset", _ANY),
    "accounts-api:token": (None, {"POST": PUBLIC}),
    # predictor
    "predictor:history": (None, {"GET": LOGIN}),
    "predictor:live_history": (None, {"GET": LOGIN}),
    "predictor:upload": (None, {"GET": LOGIN, "POST": LOGIN}),
    "predictor:detail": ("prediction", {"GET": OWN}),
    "predictor:live_detail": ("prediction", {"GET": OWN}),
    "predictor:image": ("prediction", {"GET": OWN}),
    "predictor:audio": ("prediction", {"GET": OWN}),
    "predictor:correct": ("prediction", {"POST": OWN}),
    "predictor:rerun": ("prediction", {"POST": OWN}),
    "predictor:delete": ("prediction", {"GET": OWN, "POST": OWN}),
    "predictor-api:api-prediction-list": (None, {"GET": LOGIN, "POST": LOGIN}),
    "predictor-api:api-prediction-detail": ("prediction", {"GET": OWN, "PATCH": OWN, "DELETE": OWN}),
    "predictor-api:api-prediction-image": ("prediction", {"GET": OWN}),
    "predictor-api:api-prediction-audio": ("prediction", {"GET": OWN}),
    # grading pages
    "grading:assignment_list": (None, {"GET": LOGIN}),
    "grading:assignment_create": (None, {"GET": LOGIN, "POST": LOGIN}),
    "grading:assignment_detail": ("assignment", {"GET": READ}),
    "grading:question_stats": ("assignment", {"GET": READ}),
    "grading:live_assignment": ("assignment", {"GET": READ}),
    "grading:assignment_edit": ("assignment", {"GET": MANAGE, "POST": MANAGE}),
    "grading:assignment_delete": ("assignment", {"GET": MANAGE, "POST": MANAGE}),
    "grading:class_upload": ("assignment", {"GET": WRITE, "POST": WRITE}),
    "grading:next_review": ("assignment", {"GET": READ}),
    "grading:answer_groups": ("assignment", {"GET": READ}),
    "grading:mark_group": ("assignment", {"POST": WRITE}),
    "grading:grades_csv": ("assignment", {"GET": READ}),
    "grading:audio_export_create": ("assignment", {"POST": WRITE}),  # it makes files: a write
    "grading:audio_export_detail": ("assignment", {"GET": READ}),
    "grading:audio_export_download": ("assignment", {"GET": READ}),
    "grading:submission_detail": ("submission", {"GET": READ}),
    "grading:submission_image": ("submission", {"GET": READ}),
    "grading:submission_override": ("submission", {"POST": WRITE}),
    "grading:submission_reviewed": ("submission", {"POST": WRITE}),
    "grading:submission_rename": ("submission", {"POST": WRITE}),
    "grading:submission_delete": ("submission", {"POST": MANAGE}),
    "grading:collaborators": (None, {"GET": LOGIN, "POST": LOGIN}),
    "grading:collaborator_role": ("share", {"POST": MANAGE}),
    "grading:collaborator_remove": ("share", {"POST": MANAGE}),
    "grading:model": (None, {"GET": LOGIN}),
    "grading:model_report_image": (None, {"GET": LOGIN}),
    # grading API
    "grading_api:assignment_list": (None, {"GET": LOGIN, "POST": LOGIN}),
    "grading_api:assignment_detail": ("assignment", {"GET": READ, "PATCH": MANAGE, "DELETE": MANAGE}),
    "grading_api:submission_list": ("assignment", {"GET": READ, "POST": WRITE}),
    "grading_api:collaborator_list": ("assignment", {"GET": READ, "POST": MANAGE}),
    "grading_api:collaborator_detail": ("assignment", {"GET": READ, "PATCH": MANAGE, "DELETE": MANAGE}),
    "grading_api:grades_csv": ("assignment", {"GET": READ}),
    "grading_api:submission_detail": ("submission", {"GET": READ, "PATCH": WRITE}),
    "grading_api:roster_list": (None, {"GET": LOGIN, "POST": LOGIN}),
    "grading_api:roster_import": (None, {"POST": LOGIN}),
    "grading_api:roster_detail": ("student", {"GET": OWN, "PATCH": OWN, "DELETE": OWN}),
    # worksheets (issue 12)
    "worksheets:editor": ("assignment", {"GET": MANAGE}),
    "worksheets:template_upload": ("assignment", {"POST": MANAGE}),
    "worksheets:template_image": ("assignment", {"GET": READ}),
    "worksheets:question_grid": ("assignment", {"GET": READ}),
    "worksheets:needs_attention": ("assignment", {"GET": READ}),
    "worksheets:submission_crop": ("area_submission", {"GET": READ}),
    "worksheets:pick_student": ("area_submission", {"POST": WRITE}),
    "worksheets:roster": (None, {"GET": LOGIN, "POST": LOGIN}),
    "worksheets:roster_import": (None, {"POST": LOGIN}),
    "worksheets:roster_delete": ("student", {"POST": OWN}),
    "worksheets_api:template": ("assignment", {"PUT": MANAGE}),
    "worksheets_api:regions": ("assignment", {"GET": READ, "PUT": MANAGE}),
    "worksheets_api:sheet_pdf": ("assignment", {"GET": WRITE}),
}

API_PREFIXES = ("predictor-api:", "grading_api:", "worksheets_api:", "accounts-api:", "api-")
MULTIPART = {
    "predictor-api:api-prediction-list", "grading_api:submission_list", "grading_api:roster_import",
    "worksheets_api:template",
}  # fmt: skip
# Bodies that pass validation where that is cheap; a 400 still proves access was granted.
BODIES = {
    ("grading:submission_override", "POST"): {"question": 2, "verdict": "correct"},
    ("grading:submission_rename", "POST"): {"student": "Renamed"},
    ("grading:mark_group", "POST"): {"question": 1, "value": "12", "correct": "1"},
    ("grading:collaborator_role", "POST"): {"role": "grader"},
    ("predictor:correct", "POST"): {"corrected_number": "428"},
    ("predictor-api:api-prediction-detail", "PATCH"): {"corrected_number": "428"},
    ("grading_api:assignment_detail", "PATCH"): {"title": "Renamed"},
    ("grading_api:submission_detail", "PATCH"): {"answers": [{"question": 2, "correct": True}]},
    ("grading_api:collaborator_detail", "PATCH"): {"role": "grader"},
    ("grading_api:roster_detail", "PATCH"): {"name": "Renamed"},
    ("worksheets_api:regions", "PUT"): {"regions": [{"name": "1", "box": [0, 0, 50, 20], "answer": "1"}]},
}


def all_routes() -> dict[str, list[str]]:
    """Every route of the project, named `namespace:name`, with its URL keyword arguments."""
    found = {}

    def walk(patterns, namespace, converters):
        for pattern in patterns:
            names = converters + _kwarg_names(pattern)
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, inner, names)
            else:
                key = pattern.name or f"<unnamed {pattern.pattern}>"
                found[":".join(filter(None, [namespace, key]))] = sorted(names)

    walk(get_resolver().url_patterns, "", [])
    return found


def _kwarg_names(pattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    return list(converters) if converters else list(pattern.pattern.regex.groupindex)


def is_admin(name: str) -> bool:
    return name.startswith("admin:")


def is_api(name: str) -> bool:
    return name.startswith(API_PREFIXES)


OBJECTS = ("prediction", "assignment", "submission", "share", "area_submission", "student")


def kwargs_for(name: str, world: dict, **override) -> dict:
    kind = EXPECTED[name][0]
    values = {
        "pk": world[kind].pk if kind in OBJECTS else None,
        "export_id": world["export"].pk,
        "user_id": world["helper"].pk,
        "name": "confusion.png",
        "uidb64": world["reset"][0],
        "token": world["reset"][1],
        "question": 2,  # not 1: the sweep compares 404 bodies with ids blanked, and "<h1>" holds a 1
        "index": 0,
    } | override
    return {key: values[key] for key in all_routes()[name]}


def url_for(name: str, world: dict, **override) -> str:
    return reverse(name, kwargs=kwargs_for(name, world, **override))


def send(client, name: str, method: str, url: str, **extra):
    body = BODIES.get((name, method), {})
    if method == "GET":
        return client.get(url, **extra)
    if name in MULTIPART and method == "POST":
        return client.post(url, {"student": "Ana"}, **extra)
    if name in MULTIPART and method == "PUT":
        from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

        data = encode_multipart(BOUNDARY, {"student": "Ana"})
        return client.generic(method, url, data=data, content_type=MULTIPART_CONTENT, **extra)
    if is_api(name):
        return client.generic(method, url, data=json.dumps(body), content_type="application/json", **extra)
    return client.generic(
        method, url, data=urlencode(body), content_type="application/x-www-form-urlencoded", **extra
    )
