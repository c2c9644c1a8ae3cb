import type { Money, VariantSummary } from '../../contracts/product.js'
import type { Queryable } from '../../platform/db/db.js'
import {
  invalidValue,
  lastVariant,
  optionValueInUse,
  productNotFound,
  unknownOptionValue,
  variantCombinationTaken,
  variantNotFound,
  variantRequired,
} from './errors.js'
import { write } from './catalog-write.js'
import { discounted, loadProduct, NS, type Product, type ProductDeps } from './product.js'
import * as store from './variant-store.js'
import type { ProductOption, VariantInput, VariantRow } from './variant-store.js'

/**
 * Variants: a product's options (Size, Colour) and the variants it sells, one per
 * combination of option values, each with its own SKU, stock, weight and maybe
 * price. A product without options has one default variant (options {}), so a
 * client that never names a variant keeps working. Every change runs in one
 * transaction that locks the product first; a refused change writes nothing.
 */

export type { ProductOption } from './variant-store.js'

/** The product's price fields a variant's price derives from. */
interface PriceBase {
  price: Money
  deal: { discountPercent: number } | null
}

export function toVariant(v: VariantRow, product: PriceBase): VariantSummary {
  const amount = v.price_amount ?? product.price.amount
  const currency = product.price.currency
  return {
    id: v.id,
    sku: v.sku,
    options: v.option_values,
    price: { amount, currency },
    salePrice: { amount: product.deal ? discounted(amount, product.deal.discountPercent) : amount, currency },
    stock: v.stock,
    inStock: v.stock > 0,
    weightGrams: v.weight_grams,
  }
}

/** A product's live variants as read with it (product-store.ts's ProductWithVariantsRow). */
export function toVariants(rows: readonly VariantRow[], product: PriceBase): VariantSummary[] {
  return rows.map((v) => toVariant(v, product))
}

// --- rules --------------------------------------------------------------------------

/** Refuses option values that are not exactly one value of each of the product's options. */
export function checkFits(options: readonly ProductOption[], values: Record<string, string>): void {
  for (const name of Object.keys(values)) {
    if (!options.some((o) => o.name === name)) throw unknownOptionValue(`the product has no option '${name}'`)
  }
  for (const o of options) {
    const value = values[o.name]
    if (value === undefined) throw unknownOptionValue(`no value for '${o.name}'`)
    if (!o.values.includes(value)) throw unknownOptionValue(`'${value}' is not a value of '${o.name}' (${o.values.join(', ')})`)
  }
}

/** Refuses a combination another live variant of the product has (the unique index is the backstop). */
async function checkCombinationFree(tx: Queryable, productId: number, values: Record<string, string>, except?: number): Promise<void> {
  const key = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)))
  const taken = (await store.listVariants(tx, [productId])).some((v) => v.id !== except && key(v.option_values) === key(values))
  if (taken) throw variantCombinationTaken()
}

/** Option names once each, values once per option. */
function checkOptions(options: readonly ProductOption[]): void {
  const names = new Set(options.map((o) => o.name))
  if (names.size !== options.length) throw invalidValue()
  if (options.some((o) => new Set(o.values).size !== o.values.length)) throw invalidValue()
}

/**
 * The variants' option values under new options: values of options that stay are
 * kept, a new option gives every variant its first value, a removed option's value
 * goes. A kept value the new options no longer offer is refused (OPTION_VALUE_IN_USE),
 * and so are two variants ending with one combination.
 */
export function reassign(variants: readonly Pick<VariantRow, 'id' | 'option_values'>[], options: readonly ProductOption[]): { id: number; options: Record<string, string> }[] {
  const seen = new Set<string>()
  return variants.map((v) => {
    const values: Record<string, string> = {}
    for (const o of options) {
      const had = v.option_values[o.name]
      if (had !== undefined && !o.values.includes(had)) throw optionValueInUse(`'${had}' of '${o.name}'`)
      values[o.name] = had ?? o.values[0]!
    }
    const key = JSON.stringify(options.map((o) => values[o.name]))
    if (seen.has(key)) throw variantCombinationTaken()
    seen.add(key)
    return { id: v.id, options: values }
  })
}

/** A SKU for a variant the admin did not name: the product's slug and the option values. */
export function defaultSku(slug: string, values: Record<string, string>): string {
  const parts = [slug, ...Object.values(values)].map((p) => p.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''))
  return parts.filter(Boolean).join('-').slice(0, 140)
}

// --- flows (the admin routes) ---------------------------------------------------------

/** One transaction on a locked live product; the catalog's caches are invalidated after the commit. */
async function onProduct<T>(deps: ProductDeps, productId: number, fn: (tx: Queryable, p: NonNullable<Awaited<ReturnType<typeof store.lockProduct>>>) => Promise<T>): Promise<T> {
  // (NS read here, not at load: product.ts imports this module too.)
  return write(deps, [NS.products, NS.deals, NS.recommendations], () =>
    deps.db.transaction(async (tx) => {
      const p = await store.lockProduct(tx, productId)
      if (!p) throw productNotFound(productId)
      return fn(tx, p)
    }),
  )
}

/** The product as just written (from the primary, not a cache or replica). */
async function fresh(deps: ProductDeps, productId: number): Promise<Product> {
  const product = await loadProduct(deps.db, deps.imagesBaseUrl, productId)
  if (!product) throw productNotFound(productId)
  return product
}

export async function setOptions(deps: ProductDeps, productId: number, options: ProductOption[]): Promise<Product> {
  checkOptions(options)
  await onProduct(deps, productId, async (tx) => {
    const variants = await store.listVariants(tx, [productId])
    const next = reassign(variants, options)
    await store.setOptions(tx, productId, options)
    await store.setOptionValues(tx, next)
  })
  return fresh(deps, productId)
}

export interface VariantCreate {
  sku?: string
  options: Record<string, string>
  priceAmount?: number | null
  stock?: number
  weightGrams?: number
}

export async function createVariant(deps: ProductDeps, productId: number, input: VariantCreate): Promise<VariantSummary> {
  const id = await onProduct(deps, productId, async (tx, p) => {
    checkFits(p.options, input.options)
    await checkCombinationFree(tx, productId, input.options)
    const v: VariantInput = {
      sku: input.sku ?? defaultSku(p.slug, input.options),
      options: input.options,
      priceAmount: input.priceAmount ?? null,
      stock: input.stock ?? 0,
      weightGrams: input.weightGrams ?? 0,
    }
    return store.insertVariant(tx, productId, v)
  })
  return findVariant(deps, productId, id)
}

export async function updateVariant(deps: ProductDeps, productId: number, variantId: number, patch: Partial<Omit<VariantInput, 'stock'>>): Promise<VariantSummary> {
  await onProduct(deps, productId, async (tx, p) => {
    if (patch.options) {
      checkFits(p.options, patch.options)
      await checkCombinationFree(tx, productId, patch.options, variantId)
    }
    if (!(await store.updateVariant(tx, productId, variantId, patch))) throw variantNotFound(variantId)
  })
  return findVariant(deps, productId, variantId)
}

export async function deleteVariant(deps: ProductDeps, productId: number, variantId: number): Promise<void> {
  await onProduct(deps, productId, async (tx) => {
    const variants = await store.listVariants(tx, [productId])
    if (!variants.some((v) => v.id === variantId)) throw variantNotFound(variantId)
    if (variants.length === 1) throw lastVariant()
    await store.softDeleteVariant(tx, productId, variantId)
  })
}

export async function setVariantStock(deps: ProductDeps, productId: number, variantId: number, stock: number): Promise<VariantSummary> {
  await onProduct(deps, productId, async (tx) => {
    if (!(await store.setVariantStock(tx, productId, variantId, stock))) throw variantNotFound(variantId)
  })
  return findVariant(deps, productId, variantId)
}

/**
 * The stock of a product sold as one variant (PUT /products/:id/stock, a product
 * patch with stock): that variant's. A product with several is refused
 * (VARIANT_REQUIRED): which variant would it be?
 */
export async function setOnlyVariantStock(tx: Queryable, productId: number, stock: number): Promise<void> {
  if (!(await store.lockProduct(tx, productId))) throw productNotFound(productId)
  const variants = await store.listVariants(tx, [productId])
  if (variants.length !== 1) throw variantRequired(productId)
  await store.setVariantStock(tx, productId, variants[0]!.id, stock)
}

async function findVariant(deps: ProductDeps, productId: number, variantId: number): Promise<VariantSummary> {
  const product = await fresh(deps, productId)
  const v = product.variants?.find((x) => x.id === variantId)
  if (!v) throw variantNotFound(variantId)
  return v
}
