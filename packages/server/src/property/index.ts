/** Property context: property managers' inquiries about a program's multi-unit building offer, and their queue. */
export {
  MIN_UNITS_FOR_OFFER,
  PropertyInquiryService,
  inquiryStatusMail,
  prequalify,
  type PropertyInquiryDetail,
  type PropertyInquiryUpdated,
  type Prequalification,
  type PropertyInquiry,
  type PropertyInquiryCounts,
  type PropertyInquirySubmitted,
} from './property-inquiry.service.js';
export {
  PROPERTY_INQUIRY_PAGE_LIMIT,
  PROPERTY_INQUIRY_STATUSES,
  ZListPropertyInquiriesSchema,
  ZPropertyAddressSchema,
  ZSubmitPropertyInquirySchema,
  ZUpdatePropertyInquirySchema,
  allowedInquiryTransitions,
  checkInquiryTransition,
  type TListPropertyInquiries,
  type TPropertyAddress,
  type TPropertyInquiryStatus,
  type TSubmitPropertyInquiry,
  type TUpdatePropertyInquiry,
} from './property-inquiry.schema.js';
