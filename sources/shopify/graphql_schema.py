"""The subset of Shopify's GraphQL Admin API (2024-10) schema the hub uses, as SDL.

Every type, field and argument below exists in Shopify's schema with the same name and type; each
description is the documentation page it follows. Nothing is added that Shopify does not have.
"""

from __future__ import annotations

DOCS = "https://shopify.dev/docs/api/admin-graphql/2024-10"

SDL = f'''
"An ISO 8601 date-time in UTC ({DOCS}/scalars/DateTime)"
scalar DateTime

"{DOCS}/queries/customers , {DOCS}/queries/customer , {DOCS}/queries/shop"
type QueryRoot {{
  "{DOCS}/queries/customers : first/after cursor paging, query = search syntax, sortKey, reverse"
  customers(
    "{DOCS}/queries/customers#argument-first (at most 250)"
    first: Int,
    "{DOCS}/queries/customers#argument-after"
    after: String,
    "{DOCS}/queries/customers#argument-query (https://shopify.dev/docs/api/usage/search-syntax)"
    query: String,
    "{DOCS}/queries/customers#argument-sortKey"
    sortKey: CustomerSortKeys = ID,
    "{DOCS}/queries/customers#argument-reverse"
    reverse: Boolean = false
  ): CustomerConnection!
  "{DOCS}/queries/customer"
  customer(id: ID!): Customer
  "{DOCS}/queries/shop"
  shop: Shop!
  "{DOCS}/queries/currentBulkOperation"
  currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
}}

"{DOCS}/scalars/UnsignedInt64"
scalar UnsignedInt64

"{DOCS}/scalars/URL"
scalar URL

"{DOCS}/objects/BulkOperation (https://shopify.dev/docs/api/usage/bulk-operations/queries)"
type BulkOperation {{
  id: ID!
  status: BulkOperationStatus!
  errorCode: BulkOperationErrorCode
  type: BulkOperationType!
  createdAt: DateTime!
  completedAt: DateTime
  objectCount: UnsignedInt64!
  rootObjectCount: UnsignedInt64!
  fileSize: UnsignedInt64
  url: URL
  partialDataUrl: URL
  query: String!
}}

"{DOCS}/enums/BulkOperationStatus"
enum BulkOperationStatus {{ CANCELED CANCELING COMPLETED CREATED EXPIRED FAILED RUNNING }}

"{DOCS}/enums/BulkOperationType"
enum BulkOperationType {{ MUTATION QUERY }}

"{DOCS}/enums/BulkOperationErrorCode"
enum BulkOperationErrorCode {{ ACCESS_DENIED INTERNAL_SERVER_ERROR TIMEOUT }}

"{DOCS}/payloads/BulkOperationRunQueryPayload"
type BulkOperationRunQueryPayload {{ bulkOperation: BulkOperation userErrors: [BulkOperationUserError!]! }}

"{DOCS}/objects/BulkOperationUserError"
type BulkOperationUserError {{ field: [String!] message: String! code: BulkOperationUserErrorCode }}

"{DOCS}/enums/BulkOperationUserErrorCode"
enum BulkOperationUserErrorCode {{ INVALID OPERATION_IN_PROGRESS }}

"{DOCS}/enums/CustomerSortKeys"
enum CustomerSortKeys {{ CREATED_AT ID NAME RELEVANCE UPDATED_AT LOCATION }}

"{DOCS}/connections/CustomerConnection (https://shopify.dev/docs/api/usage/pagination-graphql)"
type CustomerConnection {{
  nodes: [Customer!]!
  edges: [CustomerEdge!]!
  pageInfo: PageInfo!
}}

"{DOCS}/objects/CustomerEdge"
type CustomerEdge {{ cursor: String! node: Customer! }}

"{DOCS}/objects/PageInfo"
type PageInfo {{ hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }}

"{DOCS}/objects/Shop"
type Shop {{ id: ID! name: String! myshopifyDomain: String! ianaTimezone: String! }}

"{DOCS}/objects/Customer"
type Customer {{
  id: ID!
  legacyResourceId: String!
  firstName: String
  lastName: String
  displayName: String!
  email: String
  phone: String
  note: String
  tags: [String!]!
  state: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  defaultAddress: MailingAddress
  "{DOCS}/objects/Customer#field-addresses"
  addresses(first: Int): [MailingAddress!]!
  "{DOCS}/objects/Customer#field-metafield"
  metafield(namespace: String, key: String!): Metafield
  "{DOCS}/objects/Customer#field-metafields"
  metafields(first: Int, namespace: String): MetafieldConnection!
}}

"{DOCS}/objects/MailingAddress"
type MailingAddress {{
  id: ID!
  firstName: String
  lastName: String
  company: String
  address1: String
  address2: String
  city: String
  province: String
  provinceCode: String
  zip: String
  country: String
  countryCodeV2: String
  phone: String
}}

"{DOCS}/objects/Metafield"
type Metafield {{
  id: ID!
  namespace: String!
  key: String!
  value: String!
  type: String!
  createdAt: DateTime!
  updatedAt: DateTime!
}}

"{DOCS}/connections/MetafieldConnection"
type MetafieldConnection {{ nodes: [Metafield!]! }}

"{DOCS}/mutations/customerUpdate , {DOCS}/mutations/metafieldsSet , {DOCS}/mutations/bulkOperationRunQuery"
type Mutation {{
  "{DOCS}/mutations/bulkOperationRunQuery (a query without paging arguments, run as a whole)"
  bulkOperationRunQuery(query: String!): BulkOperationRunQueryPayload
  "{DOCS}/mutations/customerUpdate"
  customerUpdate(input: CustomerInput!): CustomerUpdatePayload
  "{DOCS}/mutations/metafieldsSet (at most 25 metafields)"
  metafieldsSet(metafields: [MetafieldsSetInput!]!): MetafieldsSetPayload
}}

"{DOCS}/input-objects/CustomerInput"
input CustomerInput {{
  id: ID
  firstName: String
  lastName: String
  email: String
  phone: String
  note: String
  tags: [String!]
}}

"{DOCS}/payloads/CustomerUpdatePayload"
type CustomerUpdatePayload {{ customer: Customer userErrors: [UserError!]! }}

"{DOCS}/objects/UserError"
type UserError {{ field: [String!] message: String! }}

"{DOCS}/input-objects/MetafieldsSetInput"
input MetafieldsSetInput {{
  ownerId: ID!
  namespace: String
  key: String!
  value: String!
  type: String
}}

"{DOCS}/payloads/MetafieldsSetPayload"
type MetafieldsSetPayload {{ metafields: [Metafield!] userErrors: [MetafieldsSetUserError!]! }}

"{DOCS}/objects/MetafieldsSetUserError"
type MetafieldsSetUserError {{ field: [String!] message: String! code: String }}

schema {{ query: QueryRoot mutation: Mutation }}
'''
