"""Carrier adapters (TRK-2): one module per carrier API, all registered in ``ADAPTERS``.

Importing this package imports every adapter module, which registers itself; a new adapter
adds its module to the import list below.
"""

from garant.carriers import (  # noqa: F401  (imported for their registration)
    aftership,
    cainiao,
    china_post,
    chronopost,
    correos,
    dhl_express,
    dhl_parcel_de,
    dhl_universal,
    fedex,
    fourpx,
    laposte,
    poczta_polska,
    sandbox,
    track17,
    ups,
    usps,
    yanwen,
)
from garant.carriers.base import (
    ADAPTERS,
    CarrierAdapter,
    CarrierError,
    TrackingNotFound,
    get_adapter,
)

__all__ = ["ADAPTERS", "CarrierAdapter", "CarrierError", "TrackingNotFound", "get_adapter"]
