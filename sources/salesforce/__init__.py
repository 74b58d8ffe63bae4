"""Local Salesforce org: Accounts and Contacts behind the OAuth 2.0 token endpoint (client credentials,
JWT bearer), a subset of the REST API (query, describe, sObject get/upsert, sObject Collections), Bulk
API 2.0 query jobs, and a subset of the Partner SOAP API (login, query / queryMore, retrieve, upsert,
delete) with Salesforce's WSDL types, headers and fault shapes."""

from sources.salesforce.system import SalesforceSystem

__all__ = ["SalesforceSystem"]
