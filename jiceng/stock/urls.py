from django.urls import path

from jiceng.stock import api, views

urlpatterns = [
    path("", views.overview, name="stock_overview"),
    path("transfers/", views.transfers, name="stock_transfers"),
    path("transfers/<int:pk>/confirm/", views.transfer_confirm, name="stock_transfer_confirm"),
    path("lines/<int:pk>/reverse/", views.reverse, name="stock_reverse"),
    path("allocation/", views.allocation, name="stock_allocation"),
    path("reconcile/", views.reconcile, name="stock_reconcile"),
    path("api/ledger/", api.LedgerView.as_view(), name="stock_api_ledger"),
    path("api/balances/", api.BalanceView.as_view(), name="stock_api_balances"),
    path("api/overview/", api.OverviewView.as_view(), name="stock_api_overview"),
    path("<str:code>/", views.card, name="stock_card"),
    path("<str:code>/export.xlsx", views.export_card, name="stock_export"),
    path("<str:code>/receive/", views.receipt, name="stock_receipt"),
    path("<str:code>/transfer/", views.transfer_new, name="stock_transfer_new"),
    path("<str:code>/loss/", views.loss, name="stock_loss"),
    path("<str:code>/stocktake/", views.stocktake, name="stock_stocktake"),
    path("<str:code>/storage/", views.storage, name="stock_storage"),
]
