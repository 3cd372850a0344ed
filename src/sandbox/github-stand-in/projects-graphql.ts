import { z } from "zod";
import type { Actor } from "./issue-operations.js";
import { GqlSyntaxError, parseOperation, resolveValue, type GqlValue, type SelectionNode } from "./graphql-subset.js";
import { nodeIdFor, type Project, type ProjectItem, type StandInState } from "./stand-in-state.js";

/**
 * The slice of GitHub's GraphQL schema a Projects v2 client needs: read a board and
 * its single-select Status field, add an issue to the board (returning the existing
 * item when it is already there, as GitHub does) and set an item's single-select
 * value. Unknown fields get GraphQL's "Field doesn't exist" error and no data.
 */
export interface GraphqlError {
  message: string;
  type?: string;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
}

export interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: GraphqlError[];
}

const requestSchema = z.object({
  query: z.string().min(1),
  variables: z.record(z.string(), z.unknown()).nullable().optional(),
  operationName: z.string().nullable().optional(),
});

const addItemInputSchema = z.object({ projectId: z.string().min(1), contentId: z.string().min(1) });
const updateValueInputSchema = z.object({
  projectId: z.string().min(1),
  itemId: z.string().min(1),
  fieldId: z.string().min(1),
  value: z.object({ singleSelectOptionId: z.string().min(1) }),
});

/** Resolver-level failure: the field becomes null and the error is listed, as GitHub does. */
class FieldError extends Error {
  constructor(
    message: string,
    readonly type: string,
  ) {
    super(message);
  }
}

/** Document-level failure: no data at all. */
class DocumentError extends Error {}

interface GqlObject {
  __typename: string;
  fields: Record<string, (args: Record<string, unknown>) => unknown>;
}

function isGqlObject(value: unknown): value is GqlObject {
  return typeof value === "object" && value !== null && "__typename" in value && "fields" in value;
}

export class ProjectsGraphql {
  private itemCounter = 0;

  constructor(private readonly state: StandInState) {}

  execute(actor: Actor, body: unknown): GraphqlAnswer {
    const request = requestSchema.safeParse(body);
    if (!request.success) {
      return { errors: [{ message: `A query attribute must be specified and must be a string (${request.error.issues[0]?.message ?? "invalid body"})` }] };
    }
    let operation;
    try {
      operation = parseOperation(request.data.query);
    } catch (error) {
      if (error instanceof GqlSyntaxError) return { errors: [{ message: `Parse error: ${error.message}`, type: "PARSE_ERROR" }] };
      throw error;
    }
    const variables = request.data.variables ?? {};
    const errors: GraphqlError[] = [];
    const root = operation.operation === "query" ? this.queryRoot(actor) : this.mutationRoot(actor);
    try {
      const data = this.select(root, operation.selections, [], errors, (v) => resolveValue(v, variables, operation.variableDefaults));
      return errors.length > 0 ? { data, errors } : { data };
    } catch (error) {
      if (error instanceof DocumentError) return { errors: [{ message: error.message }] };
      throw error;
    }
  }

  private select(
    object: GqlObject,
    selections: SelectionNode[],
    path: Array<string | number>,
    errors: GraphqlError[],
    resolve: (v: GqlValue) => unknown,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const selection of selections) {
      if (selection.kind === "inline") {
        if (selection.typeCondition === null || selection.typeCondition === object.__typename) {
          Object.assign(out, this.select(object, selection.selections, path, errors, resolve));
        }
        continue;
      }
      const key = selection.alias ?? selection.name;
      if (selection.name === "__typename") {
        out[key] = object.__typename;
        continue;
      }
      const resolver = object.fields[selection.name];
      if (!resolver) throw new DocumentError(`Field '${selection.name}' doesn't exist on type '${object.__typename}'`);
      const args: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(selection.args)) args[name] = resolve(value);
      let value: unknown;
      try {
        value = resolver(args);
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        errors.push({ type: error.type, path: [...path, key], message: error.message });
        out[key] = null;
        continue;
      }
      out[key] = this.complete(value, selection, [...path, key], errors, resolve);
    }
    return out;
  }

  private complete(
    value: unknown,
    selection: Extract<SelectionNode, { kind: "field" }>,
    path: Array<string | number>,
    errors: GraphqlError[],
    resolve: (v: GqlValue) => unknown,
  ): unknown {
    if (value === null || value === undefined) return null;
    if (Array.isArray(value)) return value.map((v, i) => this.complete(v, selection, [...path, i], errors, resolve));
    if (isGqlObject(value)) {
      if (!selection.selections) throw new DocumentError(`Field must have selections (field '${selection.name}' returns ${value.__typename} but has no selections)`);
      return this.select(value, selection.selections, path, errors, resolve);
    }
    if (selection.selections) throw new DocumentError(`Selections can't be made on scalars (field '${selection.name}')`);
    return value ?? null;
  }

  // ------------------------------------------------------------ schema

  private queryRoot(actor: Actor): GqlObject {
    return {
      __typename: "Query",
      fields: {
        organization: (args) => {
          const login = z.string().safeParse(args.login);
          if (!login.success) throw new DocumentError("Argument 'login' on Field 'organization' has an invalid value. Expected type 'String!'.");
          const org = this.state.org(login.data);
          if (!org) throw new FieldError(`Could not resolve to an Organization with the login of '${login.data}'.`, "NOT_FOUND");
          return this.organizationObject(actor, org.login);
        },
      },
    };
  }

  private organizationObject(actor: Actor, login: string): GqlObject {
    const org = this.state.org(login)!;
    return {
      __typename: "Organization",
      fields: {
        id: () => org.nodeId,
        login: () => org.login,
        projectV2: (args) => {
          const number = z.number().int().safeParse(args.number);
          if (!number.success) throw new DocumentError("Argument 'number' on Field 'projectV2' has an invalid value. Expected type 'Int!'.");
          this.requireProjectAccess(actor, org.login, "read");
          const project = this.state.project(org.login, number.data);
          if (!project) throw new FieldError(`Could not resolve to a ProjectV2 with the number ${number.data}.`, "NOT_FOUND");
          return this.projectObject(project);
        },
      },
    };
  }

  private projectObject(project: Project): GqlObject {
    return {
      __typename: "ProjectV2",
      fields: {
        id: () => project.id,
        number: () => project.number,
        title: () => project.title,
        closed: () => false,
        url: () => `/orgs/${project.org}/projects/${project.number}`,
        field: (args) => {
          const name = z.string().safeParse(args.name);
          if (!name.success) throw new DocumentError("Argument 'name' on Field 'field' has an invalid value. Expected type 'String!'.");
          const field = project.statusField;
          if (!field || field.name.toLowerCase() !== name.data.toLowerCase()) return null;
          return {
            __typename: "ProjectV2SingleSelectField",
            fields: {
              id: () => field.id,
              name: () => field.name,
              dataType: () => "SINGLE_SELECT",
              options: () =>
                field.options.map((o) => ({ __typename: "ProjectV2SingleSelectFieldOption", fields: { id: () => o.id, name: () => o.name } })),
            },
          } satisfies GqlObject;
        },
      },
    };
  }

  private mutationRoot(actor: Actor): GqlObject {
    return {
      __typename: "Mutation",
      fields: {
        addProjectV2ItemById: (args) => {
          const input = this.parseInput(addItemInputSchema, args.input, "addProjectV2ItemById", "AddProjectV2ItemByIdInput");
          const project = this.projectById(input.projectId);
          this.requireProjectAccess(actor, project.org, "write");
          if (!this.state.issueByNodeId(input.contentId)) {
            throw new FieldError(`Could not resolve to a node with the global id of '${input.contentId}'`, "NOT_FOUND");
          }
          let item = project.items.find((i) => i.contentNodeId === input.contentId);
          if (!item) {
            item = { id: nodeIdFor("PVTI", ++this.itemCounter), contentNodeId: input.contentId, fieldValues: new Map() };
            project.items.push(item);
          }
          return { __typename: "AddProjectV2ItemByIdPayload", fields: { item: () => this.itemObject(item), clientMutationId: () => null } };
        },
        updateProjectV2ItemFieldValue: (args) => {
          const input = this.parseInput(updateValueInputSchema, args.input, "updateProjectV2ItemFieldValue", "UpdateProjectV2ItemFieldValueInput");
          const project = this.projectById(input.projectId);
          this.requireProjectAccess(actor, project.org, "write");
          const item = project.items.find((i) => i.id === input.itemId);
          if (!item) throw new FieldError(`Could not resolve to a node with the global id of '${input.itemId}'`, "NOT_FOUND");
          const field = project.statusField;
          if (!field || field.id !== input.fieldId) throw new FieldError(`Could not resolve to a node with the global id of '${input.fieldId}'`, "NOT_FOUND");
          if (!field.options.some((o) => o.id === input.value.singleSelectOptionId)) {
            throw new FieldError("The single select option Id does not belong to the field", "UNPROCESSABLE");
          }
          item.fieldValues.set(field.id, input.value.singleSelectOptionId);
          return {
            __typename: "UpdateProjectV2ItemFieldValuePayload",
            fields: { projectV2Item: () => this.itemObject(item), clientMutationId: () => null },
          };
        },
      },
    };
  }

  private itemObject(item: ProjectItem): GqlObject {
    return { __typename: "ProjectV2Item", fields: { id: () => item.id, type: () => "ISSUE" } };
  }

  private projectById(id: string): Project {
    const project = this.state.projects.find((p) => p.id === id);
    if (!project) throw new FieldError(`Could not resolve to a node with the global id of '${id}'`, "NOT_FOUND");
    return project;
  }

  private parseInput<T>(schema: z.ZodType<T>, raw: unknown, field: string, typeName: string): T {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ");
    throw new DocumentError(`Argument 'input' on Field '${field}' has an invalid value (${typeName}!): ${problems}`);
  }

  /** Projects v2 needs the `organization_projects` permission on the org's installation. */
  private requireProjectAccess(actor: Actor, org: string, level: "read" | "write"): void {
    if (actor.kind !== "installation") return;
    const sameAccount = actor.installation.account.toLowerCase() === org.toLowerCase();
    const granted = actor.installation.permissions.organization_projects;
    if (!sameAccount || !granted || (level === "write" && granted !== "write")) {
      throw new FieldError("Resource not accessible by integration", "FORBIDDEN");
    }
  }
}

/** The board as a person would read it: each item's issue and its Status value. */
export interface BoardItemView {
  itemId: string;
  contentNodeId: string;
  issue: { owner: string; repo: string; number: number; title: string; htmlPath: string } | null;
  status: string | null;
}

export function describeBoard(state: StandInState, project: Project): BoardItemView[] {
  return project.items.map((item) => {
    const issue = state.issueByNodeId(item.contentNodeId);
    const optionId = project.statusField ? item.fieldValues.get(project.statusField.id) : undefined;
    return {
      itemId: item.id,
      contentNodeId: item.contentNodeId,
      issue: issue
        ? {
            owner: issue.repo.owner,
            repo: issue.repo.name,
            number: issue.number,
            title: issue.title,
            htmlPath: `/${issue.repo.owner}/${issue.repo.name}/issues/${issue.number}`,
          }
        : null,
      status: project.statusField?.options.find((o) => o.id === optionId)?.name ?? null,
    };
  });
}
