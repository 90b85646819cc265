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


class ProductDetail(ProductSummary):
    description: str
    attributes: dict[str, str]
    tags: list[str]
    url: str


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
