import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { Type } from '@nestjs/common';
import type { ViewType } from '../../search/view-type';

@ObjectType({ description: 'A key and its value: a tag or a param.' })
export class KeyValue {
  @Field() key!: string;
  @Field() value!: string;
}

@ObjectType()
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field() hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export enum LifecycleView {
  ACTIVE_ONLY = 'ACTIVE_ONLY',
  DELETED_ONLY = 'DELETED_ONLY',
  ALL = 'ALL',
}
registerEnumType(LifecycleView, { name: 'LifecycleView', description: "Which lifecycle stages a list includes (MLflow's ViewType)." });

export const viewTypeOf = (view: LifecycleView | undefined): ViewType => view ?? LifecycleView.ACTIVE_ONLY;

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** A Relay connection type for `node`: edges with cursors, page info and the total count. */
export function Connection<T>(node: Type<T>, name: string): Type<ConnectionShape<T>> {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field() cursor!: string;
    @Field(() => node) node!: T;
  }

  @ObjectType({ isAbstract: true })
  class ConnectionType {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    @Field(() => Int, { description: 'Matches over all pages.' }) totalCount!: number;
  }
  return ConnectionType;
}
