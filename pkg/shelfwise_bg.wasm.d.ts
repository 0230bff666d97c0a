/* tslint:disable */
/* eslint-disable */
export const memory: WebAssembly.Memory;
export const __wbg_recommender_free: (a: number, b: number) => void;
export const recommender_catalog: (a: number) => [number, number, number];
export const recommender_dispose: (a: number) => void;
export const recommender_fromBytes: (a: number, b: number) => [number, number, number];
export const recommender_hasItem: (a: number, b: number, c: number) => number;
export const recommender_info: (a: number) => [number, number, number];
export const recommender_itemCount: (a: number) => number;
export const recommender_popular: (a: number, b: any) => [number, number, number];
export const recommender_recommend: (a: number, b: any, c: any) => [number, number, number];
export const recommender_recommendDetailed: (a: number, b: any, c: any) => [number, number, number];
export const recommender_similar: (a: number, b: number, c: number, d: any) => [number, number, number];
export const version: () => [number, number];
export const __wbindgen_malloc: (a: number, b: number) => number;
export const __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
export const __wbindgen_free: (a: number, b: number, c: number) => void;
export const __wbindgen_exn_store: (a: number) => void;
export const __externref_table_alloc: () => number;
export const __wbindgen_externrefs: WebAssembly.Table;
export const __externref_table_dealloc: (a: number) => void;
export const __wbindgen_start: () => void;
