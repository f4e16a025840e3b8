import {
  GraphQLError,
  Kind,
  getNamedType,
  isListType,
  isNonNullType,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { type ComplexityEstimator, createComplexityRule } from 'graphql-query-complexity';

/** Field costs beyond 1 per field: what the work behind a field costs compared to reading one value. */
const FIELD_COSTS: Record<string, number> = {
  'Mutation.signFile': 100,
  'Mutation.enrollTotp': 20,
  'Mutation.setSealMfa': 5,
  'Mutation.pickerTicket': 5,
  'Query.discovery': 5,
};
/** A list without a `first` argument is counted as this many items. */
const ASSUMED_LIST_SIZE = 10;
export const MAX_PAGE_SIZE = 100;

const listOf = (type: GraphQLOutputType): boolean => isListType(isNonNullType(type) ? type.ofType : type);

/** Cost = sum over fields of (own cost + children × list size); a list counts as ASSUMED_LIST_SIZE items, a page as `first` (capped). */
const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  // Introspection (off in production unless enabled) is bounded by the depth limit, not priced per item.
  if (type.name.startsWith('__') || field.name.startsWith('__')) return 1 + childComplexity;
  const own = FIELD_COSTS[`${type.name}.${field.name}`] ?? 1;
  const pageSize = typeof args.first === 'number' ? Math.max(0, Math.min(args.first, MAX_PAGE_SIZE)) : undefined;
  // A page's child list was already counted as ASSUMED_LIST_SIZE items: scale it to the page size.
  if (pageSize !== undefined) return own + Math.ceil((childComplexity * pageSize) / ASSUMED_LIST_SIZE);
  if (listOf(field.type) && getNamedType(field.type) !== undefined && childComplexity > 0) return own + ASSUMED_LIST_SIZE * childComplexity;
  return own + childComplexity;
};

export function costRule(
  maxCost: number,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
): ValidationRule {
  return createComplexityRule({
    maximumComplexity: maxCost,
    variables: variables ?? {},
    operationName,
    estimators: [estimator],
    createError: (max, actual) =>
      new GraphQLError(`The query costs ${actual}, more than the limit of ${max}; ask for fewer fields or smaller pages.`, {
        extensions: { ecode: 'QUERY_TOO_COSTLY', cost: actual, maxCost: max },
      }),
  });
}

/** Refuses operations nested deeper than `maxDepth` levels of fields (fragments followed, cycles guarded). */
export function depthRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const depthOf = (set: SelectionSetNode | undefined, depth: number, seen: Set<string>): number => {
      if (!set || depth > maxDepth) return depth;
      let deepest = depth;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          // Introspection's type references (ofType of ofType …) end after a few levels and never cycle.
          const step = selection.name.value === 'ofType' ? 0 : 1;
          deepest = Math.max(deepest, selection.selectionSet ? depthOf(selection.selectionSet, depth + step, seen) : depth);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(selection.selectionSet, depth, seen));
        else if (!seen.has(selection.name.value)) {
          const fragment = fragments.get(selection.name.value);
          deepest = Math.max(deepest, depthOf(fragment?.selectionSet, depth, new Set([...seen, selection.name.value])));
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, 1, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`The query is nested more than ${maxDepth} levels deep (the limit).`, {
              nodes: [operation],
              extensions: { ecode: 'QUERY_TOO_DEEP', maxDepth },
            }),
          );
        }
      },
    };
  };
}
