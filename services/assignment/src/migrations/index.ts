import { AssignmentInitial1732300000400 } from './1732300000400-assignment-initial';
import { AssignmentResolution1732300000410 } from './1732300000410-assignment-resolution';
import { AssignmentWork1732300000420 } from './1732300000420-assignment-work';
import { AssignmentRoutingReasons1732300000430 } from './1732300000430-assignment-routing-reasons';
import { AssignmentHandleTimes1732300000440 } from './1732300000440-assignment-handle-times';
import { AssignmentSharedLock1732300000450 } from './1732300000450-assignment-shared-lock';
import { AssignmentLockThenQueued1732300000460 } from './1732300000460-assignment-lock-then-queued';

/** Assignment's schema, in the order the migrations apply (the service and its tests use this list). */
export const ASSIGNMENT_MIGRATIONS = [AssignmentInitial1732300000400, AssignmentResolution1732300000410, AssignmentWork1732300000420, AssignmentRoutingReasons1732300000430, AssignmentHandleTimes1732300000440, AssignmentSharedLock1732300000450, AssignmentLockThenQueued1732300000460];
