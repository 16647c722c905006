"""Twilio webhooks: worker replies (answered with TwiML) and delivery callbacks."""
from flask import Response, abort, request

from core.auth import public
from dispatch import gateway, inbound, sms_bp, status
from extensions import limiter


@sms_bp.post("/inbound")
@public  # Twilio signs it
@limiter.exempt
def sms_inbound():
    if not gateway.signature_is_valid():
        abort(403, "The request is not signed by Twilio.")
    sid, sender = request.form.get("MessageSid", ""), request.form.get("From", "")
    if not sid or not sender or len(sid) > 64:
        abort(400, "MessageSid and From are required.")
    answer = inbound.handle_inbound(sid, sender, request.form.get("Body", ""))
    return Response(gateway.twiml(answer), mimetype="application/xml")


@sms_bp.post("/status")
@public  # Twilio signs it
@limiter.exempt
def sms_status():
    if not gateway.signature_is_valid():
        abort(403, "The request is not signed by Twilio.")
    sid, new_status = request.form.get("MessageSid", ""), request.form.get("MessageStatus", "")
    if not sid or not new_status:
        abort(400, "MessageSid and MessageStatus are required.")
    code = request.form.get("ErrorCode", "")
    status.apply_status(sid, new_status, int(code) if code.isdigit() else None)
    return Response(status=204)
