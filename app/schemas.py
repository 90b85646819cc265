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


class Order(BaseModel):
    id: str
    status: str
    customerName: str
    email: str
    address: str
    items: list[OrderLine]
    totalAmount: float
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
