"""The SMS simulator's pages: every worker's thread, and answering as him."""
from flask import abort, current_app, redirect, render_template, url_for

from core.auth import requires
from dispatch import bp, simulator
from orders.forms import ReplyForm
from workers.service import get_worker


def _simulating():
    if current_app.config["SMS_BACKEND"] != "simulator":
        abort(404, "The SMS simulator is on only with SMS_BACKEND=simulator.")


@bp.route("/simulator")
@requires("dispatch.simulator")
def simulator_index():
    _simulating()
    return render_template("dispatch/simulator.html", threads=simulator.threads())


@bp.route("/simulator/<int:worker_id>", methods=["GET", "POST"])
@requires("dispatch.simulator")
def simulator_thread(worker_id):
    _simulating()
    worker = get_worker(worker_id) or abort(404)
    form = ReplyForm()
    if form.validate_on_submit():
        simulator.reply_as(worker, form.body.data)
        return redirect(url_for("dispatch.simulator_thread", worker_id=worker.id))
    return render_template("dispatch/thread.html", worker=worker, messages=simulator.thread(worker), form=form)
