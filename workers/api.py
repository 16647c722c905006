"""The worker API: the pool, one worker, registering applicants, and candidates for a shift."""
from flask import abort
from flask_smorest import abort as api_abort

from core.auth import api_requires
from franchise.service import get_region
from ratings import service as ratings_service
from workers import api_bp, service, skills
from dispatch import service as dispatch
from workers.schemas import CandidateOut, CandidateQuery, RatingEventOut, WorkerIn, WorkerOut, WorkerQuery


@api_bp.route("/")
@api_requires("workers.view")
@api_bp.arguments(WorkerQuery, location="query")
@api_bp.response(200, WorkerOut(many=True))
def api_list(args):
    """Workers the caller can see; `q` matches names in any case (ё as е) or any run of a phone's digits."""
    rows, _total = service.search_workers(args["q"], args["status"], args["page"])
    return [worker for worker, _distance in rows]


@api_bp.route("/", methods=["POST"])
@api_requires("workers.register")
@api_bp.arguments(WorkerIn)
@api_bp.response(201, WorkerOut)
def api_create(data):
    """Register an applicant."""
    try:
        return service.register_worker(data)
    except service.WorkerError as exc:
        api_abort(422, message=str(exc), errors={"json": {exc.field: [str(exc)]}})


@api_bp.route("/<int:worker_id>")
@api_requires("workers.view")
@api_bp.response(200, WorkerOut)
def api_get(worker_id):
    """One worker."""
    return service.get_worker(worker_id) or abort(404)


@api_bp.route("/<int:worker_id>/rating-events")
@api_requires("workers.view")
@api_bp.response(200, RatingEventOut(many=True))
def api_rating_events(worker_id):
    """The worker's rating history, oldest first, each event with the figures before and after."""
    return ratings_service.history(service.get_worker(worker_id) or abort(404))


@api_bp.route("/candidates")
@api_requires("dispatch.candidates")
@api_bp.arguments(CandidateQuery, location="query")
@api_bp.response(200, CandidateOut(many=True))
def api_candidates(args):
    """Workers who can take a shift at a site, best first (see workers/candidates.py for the score)."""
    region = get_region(args["region_id"]) or api_abort(422, errors={"query": {"region_id": ["No such region."]}})
    try:
        mask = skills.mask_for(args["skills"])
    except skills.SkillError as exc:
        api_abort(422, errors={"query": {"skills": [str(exc)]}})
    shift = dispatch.Shift(region_id=region.id, lat=args["lat"], lon=args["lon"], starts_at=args["starts_at"],
                  ends_at=args["ends_at"], timezone=region.timezone, skill_mask=mask, radius_km=args["radius_km"])
    return [{"worker": w, "distance_km": round(c.distance_km, 3), "score": round(c.score, 4)}
            for c, w in dispatch.candidates_with_workers(shift, args["limit"])]
