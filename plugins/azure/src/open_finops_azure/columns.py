"""The typed columns of Azure's cost and usage files, from Microsoft's dataset schema pages.

Azure's manifests list files, not columns, and the older layout has no manifest at all, so the columns
are taken from each file's header. These are the ones loaded as exact decimals (money, prices,
quantities, rates); every other column is text as written (Azure's dates are ``MM/dd/yyyy`` in the EA
and MCA files and ISO 8601 with or without seconds in FOCUS 1.0 / 1.0r2, so they stay text and the FOCUS
transform parses them). Names are matched after core's normalisation, so ``CostInBillingCurrency`` (EA)
and ``costInBillingCurrency`` (MCA) are one entry.

Sources (docs/azure.md cites them):
- EA: "Enterprise Agreement cost and usage details file schema" (2024-08-01, 2023-12-01-preview, 2021-10-01);
- MCA: "Microsoft Customer Agreement cost and usage details file schema" (2023-12-01-preview, 2021-10-01);
- FOCUS: "FOCUS cost and usage details file schema" (1.0, 1.0r2, 1.2-preview).
"""

from __future__ import annotations

from open_finops.api import Column

# Actual and amortized cost, EA and MCA (the two spell the same column in two cases).
ACTUAL_DECIMALS = (
    "Quantity", "EffectivePrice", "UnitPrice", "PayGPrice",
    "CostInBillingCurrency", "CostInPricingCurrency", "CostInUsd",
    "PaygCostInBillingCurrency", "PaygCostInUsd", "ExchangeRatePricingToBilling",
)
# FocusCost, FOCUS 1.0 / 1.0r2 / 1.2-preview, with Microsoft's x_ columns.
FOCUS_DECIMALS = (
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
    "ListUnitPrice", "ContractedUnitPrice", "PricingQuantity", "ConsumedQuantity", "CommitmentDiscountQuantity",
    "x_BilledCostInUsd", "x_EffectiveCostInUsd", "x_ListCostInUsd", "x_ContractedCostInUsd",
    "x_BilledUnitPrice", "x_EffectiveUnitPrice", "x_BillingExchangeRate", "x_PartnerCreditRate",
    "x_PricingBlockSize",
)

HEADER_TYPES: tuple[Column, ...] = tuple(
    Column(name, "decimal", vendor_type="decimal") for name in (*ACTUAL_DECIMALS, *FOCUS_DECIMALS)
)

# The columns that tell the three datasets apart, for the sample generator and the FOCUS transform.
EA_ACTUAL = (
    "InvoiceSectionName", "AccountName", "AccountOwnerId", "SubscriptionId", "SubscriptionName", "ResourceGroup",
    "ResourceLocation", "Date", "ProductName", "MeterCategory", "MeterSubCategory", "MeterId", "MeterName",
    "MeterRegion", "UnitOfMeasure", "Quantity", "EffectivePrice", "CostInBillingCurrency", "CostCenter",
    "ConsumedService", "ResourceId", "Tags", "OfferId", "AdditionalInfo", "ServiceInfo1", "ServiceInfo2",
    "ResourceName", "ReservationId", "ReservationName", "UnitPrice", "ProductOrderId", "ProductOrderName", "Term",
    "PublisherType", "PublisherName", "ChargeType", "Frequency", "PricingModel", "AvailabilityZone",
    "BillingAccountId", "BillingAccountName", "BillingCurrencyCode", "BillingPeriodStartDate",
    "BillingPeriodEndDate", "BillingProfileId", "BillingProfileName", "InvoiceSectionId", "IsAzureCreditEligible",
    "PartNumber", "PayGPrice", "PlanName", "ServiceFamily", "CostAllocationRuleName", "benefitId", "benefitName",
    "AccountId", "ResourceLocationNormalized",
)
MCA_ACTUAL = (
    "invoiceId", "previousInvoiceId", "billingAccountId", "billingAccountName", "billingProfileId",
    "billingProfileName", "invoiceSectionId", "invoiceSectionName", "resellerName", "resellerMpnId", "costCenter",
    "billingPeriodEndDate", "billingPeriodStartDate", "servicePeriodEndDate", "servicePeriodStartDate", "date",
    "serviceFamily", "productOrderId", "productOrderName", "consumedService", "meterId", "meterName",
    "meterCategory", "meterSubCategory", "meterRegion", "ProductId", "ProductName", "SubscriptionId",
    "subscriptionName", "publisherType", "publisherId", "publisherName", "resourceGroupName", "ResourceId",
    "resourceLocation", "location", "effectivePrice", "quantity", "unitOfMeasure", "chargeType", "billingCurrency",
    "pricingCurrency", "costInBillingCurrency", "costInPricingCurrency", "costInUsd", "paygCostInBillingCurrency",
    "paygCostInUsd", "exchangeRatePricingToBilling", "exchangeRateDate", "isAzureCreditEligible", "serviceInfo1",
    "serviceInfo2", "additionalInfo", "tags", "PayGPrice", "frequency", "term", "reservationId", "reservationName",
    "pricingModel", "unitPrice", "costAllocationRuleName", "benefitId", "benefitName", "provider",
)
# FocusCost 1.2-preview, all 105 columns in Microsoft's order.
FOCUS_1_2_PREVIEW = (
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "CapacityReservationId", "CapacityReservationStatus",
    "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus", "CommitmentDiscountType", "CommitmentDiscountUnit", "ConsumedQuantity",
    "ConsumedUnit", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName",
    "ListCost", "ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingQuantity", "PricingUnit",
    "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId",
    "SubAccountId", "SubAccountName", "SubAccountType", "Tags", "x_AccountId", "x_AccountName", "x_AccountOwnerId",
    "x_AmortizationClass", "x_BilledCostInUsd", "x_BilledUnitPrice", "x_BillingAccountId", "x_BillingAccountName",
    "x_BillingExchangeRate", "x_BillingExchangeRateDate", "x_BillingProfileId", "x_BillingProfileName",
    "x_ContractedCostInUsd", "x_CostAllocationRuleName", "x_CostCenter", "x_CustomerId", "x_CustomerName",
    "x_EffectiveCostInUsd", "x_EffectiveUnitPrice", "x_InvoiceSectionId", "x_InvoiceSectionName", "x_ListCostInUsd",
    "x_PartnerCreditApplied", "x_PartnerCreditRate", "x_PricingBlockSize", "x_PricingCurrency",
    "x_PricingSubcategory", "x_PricingUnitDescription", "x_PublisherCategory", "x_PublisherId", "x_ResellerId",
    "x_ResellerName", "x_ResourceGroupName", "x_ResourceType", "x_ServiceModel", "x_ServicePeriodEnd",
    "x_ServicePeriodStart", "x_SkuDescription", "x_SkuDetails", "x_SkuIsCreditEligible", "x_SkuMeterCategory",
    "x_SkuMeterId", "x_SkuMeterName", "x_SkuMeterSubcategory", "x_SkuOfferId", "x_SkuOrderId", "x_SkuOrderName",
    "x_SkuPlanName", "x_SkuPartNumber", "x_SkuRegion", "x_SkuServiceFamily", "x_SkuTier",
)
