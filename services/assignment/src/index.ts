export { assignment, assignmentWith, AssignmentConfig } from './assignment';
