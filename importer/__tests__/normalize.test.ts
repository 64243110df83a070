import {describe, expect, it} from 'vitest'
import {doctorId} from '../mapping.ts'
import {doctorDisplayName, doctorKey} from '../normalize.ts'

describe('doctorDisplayName', () => {
  it('drops the "Dr." prefix with or without a space after it', () => {
    for (const printed of ['Dr. Lan Shengxing', 'Dr.Lan Shengxing', 'DR. Lan Shengxing'])
      expect(doctorDisplayName(printed)).toBe('Lan Shengxing')
    expect(doctorDisplayName('Dr Lan Shengxing')).toBe('Lan Shengxing')
    expect(doctorDisplayName('dr.  Lan  Shengxing')).toBe('Lan Shengxing')
  })

  it('keeps names that only start like the prefix', () => {
    expect(doctorDisplayName('Drake Lin')).toBe('Drake Lin')
    expect(doctorDisplayName('Professorson Wu')).toBe('Professorson Wu')
  })
})

describe('doctorKey', () => {
  it('gives every spelling of a doctor the same key', () => {
    const keys = [
      'Dr. Lan Shengxing',
      'Dr.Lan Shengxing',
      'DR.LAN SHENGXING',
      'Dr Lan Sheng-xing',
      'Lan Sheng Xing',
    ].map(doctorKey)
    expect(new Set(keys)).toEqual(new Set(['lanshengxing']))
    expect(doctorId('Dr.Lan Shengxing')).toBe(doctorId('Dr. Lan Shengxing'))
  })
})
