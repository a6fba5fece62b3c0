"""The state machine hypothesis runs: the actions and invariants put together, the first
orders of each example, and the one rule that chooses each step (mostly guided to an order and
an action that makes sense for it now)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from garant.domain.policy import SHIPPING_METHODS
from garant.tools.protection_check.actions_disputes import DisputeActions
from garant.tools.protection_check.actions_orders import OrderActions
from garant.tools.protection_check.actions_time import TimeActions
from garant.tools.protection_check.choice import ACTIONS, FITS, TIMES, WEIGHTED, turn
from garant.tools.protection_check.core import Run
from garant.tools.protection_check.invariants import Invariants
from garant.tools.protection_check.vocab import CATEGORIES, OPEN_DISPUTE


def machine_factory(run: Run) -> Callable[[], RuleBasedStateMachine]:
    def factory() -> RuleBasedStateMachine:
        return ProtectionMachine(run)

    return factory


class ProtectionMachine(OrderActions, DisputeActions, TimeActions, Invariants):
    """The steps and invariants of the mixins, run by hypothesis through one rule (``step``)
    after one initialiser (``first_orders``)."""

    # ------------------------------------------------------------------ the one rule

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """One action with its own parameters. Guided (8 times in 10): an order and one of
        the actions that make sense for it now — so an example follows an order through
        shipping, a dispute and its mediation — or time passing, a sweep, a new order, a
        refund settled. Otherwise any action by weight, on an order picked by the action's
        own parameters (mostly one where it makes sense, sometimes any). One rule rather
        than one per action: hypothesis' swarm testing switches rules off per example, and
        an example without shipping never gets far."""
        self._step()
        self.steps_run += 1
        self.target = None
        action = ""
        # 3 and 6 (not the ends, which hypothesis draws more often): 2 steps in 10 unguided
        if data.draw(st.integers(min_value=0, max_value=9), label="guided") not in (3, 6):
            focus = data.draw(st.integers(min_value=0, max_value=99), label="focus")
            if focus % 10 < 7:  # 7 in 10 on an order, 3 in 10 time, sweep, a new order…
                view = self._view()
                menu = {
                    order_id: [n for n in WEIGHTED if n in FITS and FITS[n](seen)]
                    for order_id, seen in view.items()
                }
                menu = {order_id: names for order_id, names in menu.items() if names}
                if menu:
                    # orders with a dispute under way come up three times as often
                    disputed = [i for i in sorted(menu) if view[i].dispute in OPEN_DISPUTE]
                    orders = sorted(menu) + disputed * 2
                    # Hypothesis favours the first item of a list: turning the lists with the
                    # example's step count spreads that favour over every order and action.
                    self.target = data.draw(
                        st.sampled_from(turn(orders, self.steps_run)), label="order"
                    )
                    action = data.draw(
                        st.sampled_from(turn(menu[self.target], self.steps_run)), label="action"
                    )
            if not action:
                action = TIMES[focus % len(TIMES)]
        else:
            action = data.draw(st.sampled_from(WEIGHTED), label="action")
        params = ACTIONS[action][1]
        kwargs = {name: data.draw(strategy, label=name) for name, strategy in params.items()}
        try:
            getattr(self, action)(**kwargs)
        finally:
            self.target = None

    @initialize(
        orders=st.lists(
            st.tuples(
                st.integers(min_value=100, max_value=40_000),
                st.sampled_from(("paid", "shipped", "delivered", "delivered")),
            ),
            min_size=2,
            max_size=4,
        ),
        method=st.sampled_from(SHIPPING_METHODS),
        choice=st.booleans(),
    )
    def first_orders(self, orders: list[tuple[int, str]], method: str, choice: bool) -> None:
        """A few paid orders to begin with, some already shipped or delivered (the step rule
        adds more); made through the same services and checks as every other step."""
        self._step()
        for i, (total, stage) in enumerate(orders):
            self.create_and_pay(
                total, method, CATEGORIES[i % len(CATEGORIES)], choice and i == 0, i, "verified", 0
            )
            if stage != "paid":
                self.ship(pointer=i, aim=8, who=0, reuse=0)
            if stage == "delivered":
                self.record_delivery(pointer=i, aim=8, who=0)
