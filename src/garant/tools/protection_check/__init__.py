"""`garant bench protection` and its test: random buyer-protection histories on a real database.

A hypothesis ``RuleBasedStateMachine`` drives the real services — ``services.orders``
(create_order, perform, settle_refund), ``services.disputes`` (open_dispute, act) and
``services.deadlines.sweep`` — on a real database (a SQLite file by default, PostgreSQL when
given a URL), with a ``FixedClock`` the machine moves by one hour to forty days at a time.

Each example starts on an empty database (a copy of a migrated SQLite template, or the
PostgreSQL database emptied) with two buyers, two sellers, an agent and an operator; orders are
created and paid as the steps go. Every rule picks an order (mostly one where the action makes
sense, sometimes any) and tries one action through the service layer as the right person,
sometimes as a role that may not do it or as a buyer or seller of another order. An attempt
either succeeds or is refused with a garant ``DomainError``; any other exception fails the run.

The machine keeps its own model of the windows and amounts, computed from the rows it reads
back (paid_at, shipped_at, delivered_at, the dispute's opened_at, appeal_by, the ledger) and the
policy's numbers — never from the domain's own answers — and checks each attempt against it:
what must be refused (PRT-4's window has closed, an offer above what can still be refunded,
an escalation before opened + 72 h, an appeal after appeal_by, any step on a closed dispute,
confirming receipt while a dispute is open, a wrong person) and what must succeed (the right
person, in the right state, inside its window, with valid input, no deadline due). After every
step the invariants are checked by SQL over the double entries (PRT-6) and the rows; after
every sweep, that nothing late was left undone.

hypothesis is a development dependency: this package imports it, so the CLI imports this
package only inside its command and says so when hypothesis is missing.

The package, by what each part is: ``vocab`` (the model's words and numbers), ``databases``
(a fresh database per example), ``facts`` (orders and disputes read back), ``expect`` (what the
model says of an attempt), ``choice`` (the actions, their parameters, where each makes sense),
``core`` (the machine's plumbing: people, attempts, footprints), ``actions_orders``,
``actions_disputes`` and ``actions_time`` (the steps), ``invariants`` (SQL after every step),
``machine`` (the rules hypothesis runs), ``runner`` (one run) and ``report`` (the counts and
the printed method and results).
"""

from garant.tools.protection_check.databases import NotEmpty as NotEmpty
from garant.tools.protection_check.report import Report as Report
from garant.tools.protection_check.report import method_lines as method_lines
from garant.tools.protection_check.report import result_lines as result_lines
from garant.tools.protection_check.runner import run_protection_check as run_protection_check
