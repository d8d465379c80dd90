"""URL patterns of the stock ledger's write API; included by jiceng/api/urls.py under ``api/stock/``.
(The read endpoints stay under ``stock/api/``, see jiceng/stock/urls.py.)"""

from django.urls import path

from jiceng.stock import api

urlpatterns = [
    path("units/<str:code>/receipts/", api.ReceiptView.as_view(), name="api_stock_receipts"),
    path("units/<str:code>/transfers/", api.TransferSendView.as_view(), name="api_stock_transfer_send"),
    path("units/<str:code>/losses/", api.LossView.as_view(), name="api_stock_losses"),
    path("units/<str:code>/stocktakes/", api.StocktakeView.as_view(), name="api_stock_stocktakes"),
    path("units/<str:code>/storage-checks/", api.StorageCheckView.as_view(), name="api_stock_storage_checks"),
    path("transfers/", api.TransferListView.as_view(), name="api_stock_transfers"),
    path("transfers/<int:pk>/confirm/", api.TransferConfirmView.as_view(), name="api_stock_transfer_confirm"),
    path("lines/<int:pk>/reverse/", api.ReverseView.as_view(), name="api_stock_line_reverse"),
    path("allocation/", api.AllocationListView.as_view(), name="api_stock_allocation"),
    path("allocation/propose/", api.AllocationProposeView.as_view(), name="api_stock_allocation_propose"),
    path("allocation/<int:pk>/", api.AllocationUpdateView.as_view(), name="api_stock_allocation_update"),
]
