"""Response shapes of the JSON API, so /docs documents exactly what clients receive."""

from __future__ import annotations

from pydantic import BaseModel


class ProductSummary(BaseModel):
    id: str
    slug: str
    name: str
    category: str
    price: float
    stock: int
    imageUrl: str
    rating: float
    reviewCount: int
    # VARIANTS (issue 14): the owner's SKU (the slug when none was set), the family's main product
    # (None on a main or single product) and what tells the family's members apart.
    sku: str = ""
    variantOf: str | None = None
    options: dict[str, str] = {}


# VARIANTS (issue 14): one member of a product's family, as the product detail lists them.
class VariantSummary(BaseModel):
    id: str
    slug: str
    name: str
    sku: str
    options: dict[str, str]
    price: float
    stock: int
    inStock: bool


# LOCATIONS (issue 14): units per stock location.
class LocationAvailability(BaseModel):
    locationId: str
    name: str
    quantity: int


class ProductDetail(ProductSummary):
    description: str
    attributes: dict[str, str]
    tags: list[str]
    url: str
    availability: list[LocationAvailability] = []  # LOCATIONS: active locations holding units
    variants: list[VariantSummary] = []
    """VARIANTS: the family's members, main product first, then by price (empty for a single product)."""


class ProductList(BaseModel):
    items: list[ProductSummary]
    total: int
    page: int
    pages: int
    pageSize: int


class OrderLine(BaseModel):
    productId: str
    name: str
    quantity: int
    unitPrice: float
    lineTotal: float


# TRACKING (shop/fulfillment): parcels, delivery estimate and timeline of an order.
class ShipmentLocation(BaseModel):
    id: str
    name: str


class ShipmentItem(BaseModel):
    productId: str
    name: str
    quantity: int


class Shipment(BaseModel):
    id: str
    carrier: str
    """usps | ups | fedex | dhl | other"""
    carrierName: str
    trackingNumber: str
    trackingUrl: str | None
    status: str
    """shipped | delivered"""
    shippedAt: str
    deliveredAt: str | None
    # SPLIT SHIPMENTS (issue 14): the stock location a parcel left from and what is in it; None and
    # [] for a parcel recorded without its location (one-location orders shipped before).
    location: ShipmentLocation | None = None
    items: list[ShipmentItem] = []


class Fulfillment(BaseModel):
    """SPLIT SHIPMENTS (issue 14): how far the order's parcels are; a split order expects one parcel
    per stock location and stays "shipped" while it is partly shipped."""

    state: str
    """not_shipped | partially_shipped | shipped | partially_delivered | delivered"""
    parcels: int
    shipped: int
    delivered: int


class DeliveryEstimate(BaseModel):
    earliest: str
    latest: str
    shipped: bool
    """Counted from the real ship date (true) or from the day the order is expected to leave (false)."""


class TimelineEvent(BaseModel):
    at: str
    kind: str
    """placed | payment | confirmed | shipped | delivered | return | cancelled"""
    text: str
    url: str | None = None


# --- Returns (issue 14, RETURNS: shop/returns/) ---------------------------------------------------
class ReturnItemSummary(BaseModel):
    productId: str
    name: str
    quantity: int
    opened: bool
    damaged: bool


class ReturnSummary(BaseModel):
    id: str
    orderId: str
    status: str
    """requested | approved | rejected | received | refunded | exchanged"""
    resolution: str
    refundAmount: float
    items: list[ReturnItemSummary]
    createdAt: str
    decisionReason: str | None = None
    """Why the owner rejected it (rejected requests only)."""


class ReturnCreated(BaseModel):
    id: str
    status: str
    refundAmount: float


class PaymentSummary(BaseModel):
    """payments (issue 14): method, status (pending | authorized | paid | failed | refunded |
    partially_refunded), the provider's page to pay on while unpaid, and why starting it failed."""

    method: str
    status: str
    redirectUrl: str | None = None
    error: str | None = None


class ShippingAddress(BaseModel):
    """Where an order ships (SHIPPING); an order placed with a free-text address has it as line1."""

    line1: str
    line2: str = ""
    city: str = ""
    region: str = ""
    postalCode: str = ""
    country: str


class DeliveryDays(BaseModel):
    min: int
    max: int


class Order(BaseModel):
    id: str
    status: str
    customerName: str
    email: str
    address: str
    items: list[OrderLine]
    totalAmount: float
    # shipping (SHIPPING, issue 14): totalAmount = total = subtotal + shipping (+ tax unless included)
    subtotal: float
    shipping: float
    tax: float
    total: float
    shippingAddress: ShippingAddress | None = None
    shippingMethod: str | None = None
    deliveryDays: DeliveryDays | None = None
    createdAt: str
    updatedAt: str
    # TRACKING: filled by GET /api/orders/{id}; a new order has none of them yet.
    shipments: list[Shipment] = []
    estimatedDelivery: DeliveryEstimate | None = None
    deliveredAt: str | None = None
    timeline: list[TimelineEvent] = []
    fulfillment: Fulfillment | None = None  # SPLIT SHIPMENTS (issue 14)
    returns: list[ReturnSummary] = []  # RETURNS (issue 14): the order's return requests
    payment: PaymentSummary | None = None  # payments (issue 14)


class ErrorBody(BaseModel):
    detail: str
    errors: dict[str, str] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Malformed request"},
    404: {"model": ErrorBody, "description": "Not found"},
    409: {"model": ErrorBody, "description": "Not enough stock"},
    422: {"model": ErrorBody, "description": "Invalid input, with a message per field"},
}


class RecommendationList(BaseModel):
    items: list[ProductSummary]
    strategy: str
    """similar | bought-together | personal | trending"""
