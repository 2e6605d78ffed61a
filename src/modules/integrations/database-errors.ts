// The one shared reading of a unique violation (also behind the 409 of every resource).
export { isUniqueViolation } from '../../common/resource/unique-violation.js';
