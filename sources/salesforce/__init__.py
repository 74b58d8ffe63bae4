"""Local Salesforce org: Accounts and Contacts behind a subset of the Partner SOAP API (login, query /
queryMore, retrieve, upsert) with Salesforce's WSDL types, headers and fault shapes."""

from sources.salesforce.system import SalesforceSystem

__all__ = ["SalesforceSystem"]
