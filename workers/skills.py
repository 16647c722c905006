"""The managed list of skills, and skill sets as bit masks (one bit per skill)."""
from flask import g
from flask_babel import get_locale
from sqlalchemy import func, select

from core.i18n import lazy_gettext as _l
from extensions import db
from workers.models import Skill

MAX_SKILLS = 63  # bits of a BIGINT, the sign bit left alone


class SkillError(ValueError):
    """A skill could not be saved or is not on the list."""


def list_skills(include_inactive: bool = False) -> list[Skill]:
    stmt = select(Skill).order_by(Skill.bit)
    if not include_inactive:
        stmt = stmt.where(Skill.active.is_(True))
    return list(db.session.scalars(stmt))


def skill_name(skill: Skill) -> str:
    return skill.name_ru if str(get_locale() or "en") == "ru" else skill.name_en


def choices() -> list[tuple[str, str]]:
    """Return (code, name) pairs of the active skills for forms."""
    return [(s.code, skill_name(s)) for s in list_skills()]


def mask_for(codes) -> int:
    """Return the mask of skill codes; raise SkillError naming any code not on the list."""
    codes = set(codes or ())
    if not codes:
        return 0
    found = {s.code: s.bit for s in db.session.scalars(select(Skill).where(Skill.code.in_(codes)))}
    unknown = sorted(codes - found.keys())
    if unknown:
        raise SkillError(f"Unknown skill: {', '.join(unknown)}.")
    mask = 0
    for bit in found.values():
        mask |= 1 << bit
    return mask


def _request_skills() -> list[Skill]:
    """Return every skill, read once per request (the list is short and rarely changes)."""
    if "all_skills" not in g:
        g.all_skills = list_skills(include_inactive=True)
    return g.all_skills


def codes_for(mask: int) -> list[str]:
    """Return the codes of the skills in mask, in list order."""
    return [s.code for s in _request_skills() if mask >> s.bit & 1]


def names_for(mask: int) -> list[str]:
    """Return the names of the skills in mask in the user's language."""
    return [skill_name(s) for s in _request_skills() if mask >> s.bit & 1]


def add_skill(code: str, name_en: str, name_ru: str) -> Skill:
    """Add a skill to the list with the next free bit, and commit."""
    code = (code or "").strip().lower()
    if not code or len(code) > 40 or not code.replace("_", "").isalnum():
        raise SkillError(_l("A skill code is lower-case letters, digits and _ (at most 40)."))
    if not (name_en or "").strip() or not (name_ru or "").strip():
        raise SkillError(_l("Give the skill a name in English and in Russian."))
    if db.session.scalar(select(Skill).where(Skill.code == code)) is not None:
        raise SkillError(_l("This skill is already on the list."))
    used = db.session.scalar(select(func.count()).select_from(Skill))
    if used >= MAX_SKILLS:
        raise SkillError(f"The list holds at most {MAX_SKILLS} skills; retire one by renaming it instead.")
    next_bit = (db.session.scalar(select(func.max(Skill.bit))) or -1) + 1
    skill = Skill(code=code, name_en=name_en.strip()[:80], name_ru=name_ru.strip()[:80], bit=next_bit)
    db.session.add(skill)
    db.session.commit()
    g.pop("all_skills", None)
    return skill
